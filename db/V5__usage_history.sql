-- The audit read model for billing and support (adr/0010): one row per event, kept by the streaming processor
-- usage-history, whose token commits in the same transaction as these rows.
CREATE TABLE usage_history (
    global_index     BIGINT        NOT NULL PRIMARY KEY,
    entitlement_id   VARCHAR(512)  NOT NULL,
    user_id          VARCHAR(1024) NOT NULL,
    entitlement_key  VARCHAR(64)   NOT NULL,
    sequence_number  BIGINT        NOT NULL,
    event_type       VARCHAR(64)   NOT NULL,
    occurred_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    recorded_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    amount           BIGINT,
    period_start     TIMESTAMP WITH TIME ZONE,
    period_end       TIMESTAMP WITH TIME ZONE,
    used_after       BIGINT,
    usage_limit      BIGINT,
    late             BOOLEAN,
    dedup_key        VARCHAR(512),
    message_id       VARCHAR(128),
    metadata         JSONB,
    details          JSONB
);
-- history of one entitlement, newest first
CREATE INDEX usage_history_entitlement_idx ON usage_history (entitlement_id, recorded_at DESC, global_index DESC);
-- history of one user across entitlements, newest first
CREATE INDEX usage_history_user_idx ON usage_history (user_id, recorded_at DESC, global_index DESC);
-- billing export: consumptions by occurredAt
CREATE INDEX usage_history_export_idx ON usage_history (occurred_at, global_index) WHERE event_type = 'UsageConsumed';

-- rejections appear in the same history responses
CREATE INDEX usage_rejection_entitlement_time_idx ON usage_rejection (user_id, entitlement_key, rejected_at DESC, id DESC);
CREATE INDEX usage_rejection_user_time_idx ON usage_rejection (user_id, rejected_at DESC, id DESC);
DROP INDEX usage_rejection_entitlement_idx;

INSERT INTO projection_generation (processor, generation, reset_generation, requested_by, requested_at, reset_at)
VALUES ('usage-history', 1, 1, 'initial', now(), now());
