-- Issue 16: reversals, "did my message count?" and the export of net usage (adr/0003, adr/0004, adr/0010).

-- What was counted under each dedup key, written in the same transaction as its UsageConsumed: a reversal names the
-- usage it corrects by these facts, and `reversed` is how much of it has been reversed so far. Rows counted before
-- this migration take their facts from the history; a row the history had not reached yet is read from the history
-- when it is first needed (command/CountedUsages).
ALTER TABLE dedup_key
    ADD COLUMN amount       BIGINT,
    ADD COLUMN occurred_at  TIMESTAMP WITH TIME ZONE,
    ADD COLUMN period_start TIMESTAMP WITH TIME ZONE,
    ADD COLUMN period_end   TIMESTAMP WITH TIME ZONE,
    ADD COLUMN message_id   VARCHAR(128),
    ADD COLUMN reversed     BIGINT NOT NULL DEFAULT 0;
UPDATE dedup_key d
SET amount = h.amount, occurred_at = h.occurred_at, period_start = h.period_start, period_end = h.period_end,
    message_id = h.message_id
FROM usage_history h
WHERE h.entitlement_id = d.entitlement_id AND h.dedup_key = d.dedup_key AND h.event_type = 'UsageConsumed';
-- GET /api/v1/usage/records/{dedupKey}: the key alone, across entitlements
CREATE INDEX dedup_key_key_idx ON dedup_key (dedup_key);

-- Reversals made with an Idempotency-Key: the key, a fingerprint of the request it was first used with, and the
-- answer it got, written in the same transaction as the UsageReversed, so that a repeat answers the same.
CREATE TABLE reversal_request (
    idempotency_key VARCHAR(255) NOT NULL PRIMARY KEY,
    fingerprint     VARCHAR(64)  NOT NULL,
    reversal_id     VARCHAR(64)  NOT NULL,
    entitlement_id  VARCHAR(512) NOT NULL,
    dedup_key       VARCHAR(512) NOT NULL,
    amount          BIGINT       NOT NULL,
    remaining       BIGINT       NOT NULL,
    period_start    TIMESTAMP WITH TIME ZONE NOT NULL,
    period_end      TIMESTAMP WITH TIME ZONE,
    current_window  BOOLEAN      NOT NULL,
    used            BIGINT       NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);

-- SQS messages that arrived again with a key already counted (acknowledged as duplicates): their ids, so that support
-- sees every message id seen with a key. At most one row per key and message id.
CREATE TABLE usage_receipt (
    dedup_key      VARCHAR(512) NOT NULL,
    message_id     VARCHAR(128) NOT NULL,
    entitlement_id VARCHAR(512) NOT NULL,
    received_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (dedup_key, message_id)
);

-- History: a reversal links to the usage it reverses; lookups by key.
ALTER TABLE usage_history ADD COLUMN reversal_of VARCHAR(512);
CREATE INDEX usage_history_dedup_idx ON usage_history (dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX usage_history_reversal_idx ON usage_history (reversal_of) WHERE reversal_of IS NOT NULL;
CREATE INDEX usage_rejection_dedup_idx ON usage_rejection (dedup_key) WHERE dedup_key IS NOT NULL;

-- The export covers reversals (negative amounts), by occurredAt or by recordedAt.
DROP INDEX usage_history_export_idx;
CREATE INDEX usage_history_export_idx ON usage_history (occurred_at, global_index)
    WHERE event_type IN ('UsageConsumed', 'EntitlementImported', 'UsageReversed');
CREATE INDEX usage_history_export_recorded_idx ON usage_history (recorded_at, global_index)
    WHERE event_type IN ('UsageConsumed', 'EntitlementImported', 'UsageReversed');
