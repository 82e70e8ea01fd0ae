-- Imports of an existing entitlements table (adr/0017). One row per run, kept by the process that runs it: counts and
-- a heartbeat every second, so every instance's status API shows progress, and a run whose process died (no heartbeat)
-- reads as FAILED. invalid_items holds the first 100 items that could not be imported, with the reason.
CREATE TABLE table_import (
    id               UUID          NOT NULL PRIMARY KEY,
    table_name       VARCHAR(255)  NOT NULL,
    dry_run          BOOLEAN       NOT NULL,
    state            VARCHAR(16)   NOT NULL,
    scanned          BIGINT        NOT NULL DEFAULT 0,
    imported         BIGINT        NOT NULL DEFAULT 0,
    skipped_existing BIGINT        NOT NULL DEFAULT 0,
    invalid          BIGINT        NOT NULL DEFAULT 0,
    invalid_items    JSONB         NOT NULL DEFAULT '[]',
    requested_by     VARCHAR(256)  NOT NULL,
    failure          TEXT,
    started_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    heartbeat_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at      TIMESTAMP WITH TIME ZONE
);
CREATE INDEX table_import_running_idx ON table_import (heartbeat_at) WHERE state = 'RUNNING';

-- the export lists consumptions and the opening balances of imports (adr/0017)
DROP INDEX usage_history_export_idx;
CREATE INDEX usage_history_export_idx ON usage_history (occurred_at, global_index)
    WHERE event_type IN ('UsageConsumed', 'EntitlementImported');
