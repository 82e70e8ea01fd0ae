-- Dedup keys: one row per counted usage key, inserted in the same transaction as the UsageConsumed append
-- (adr/0004). Kept forever: a key that was counted once is never counted again.
CREATE TABLE dedup_key (
    entitlement_id  VARCHAR(512) NOT NULL,
    dedup_key       VARCHAR(512) NOT NULL,
    recorded_at     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    PRIMARY KEY (entitlement_id, dedup_key)
);

-- Current state of each entitlement for the HTTP API, written by a subscribing processor in the same
-- transaction as the events, so a read after a command always sees it.
CREATE TABLE entitlement_state (
    entitlement_id   VARCHAR(512) NOT NULL PRIMARY KEY,
    user_id          VARCHAR(1024) NOT NULL,
    entitlement_key  VARCHAR(64)  NOT NULL,
    active           BOOLEAN      NOT NULL,
    usage_limit      BIGINT,
    period           VARCHAR(16),
    anchor           TIMESTAMP WITH TIME ZONE,
    over_limit       VARCHAR(16),
    used             BIGINT       NOT NULL DEFAULT 0,
    period_start     TIMESTAMP WITH TIME ZONE,
    period_end       TIMESTAMP WITH TIME ZONE,
    version          BIGINT       NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX entitlement_state_user_idx ON entitlement_state (user_id, entitlement_key);
