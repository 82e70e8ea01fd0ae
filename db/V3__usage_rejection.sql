-- Every rejected or invalid receive of a usage message, so support can see why usage was not counted.
-- Written outside the (rolled back) command transaction. Rejections are not events of the aggregate.
CREATE TABLE usage_rejection (
    id               BIGSERIAL    PRIMARY KEY,
    message_id       VARCHAR(128) NOT NULL,
    receive_count    INTEGER      NOT NULL,
    dedup_key        VARCHAR(512),
    user_id          VARCHAR(1024),
    entitlement_key  VARCHAR(64),
    reason_code      VARCHAR(64)  NOT NULL,
    detail           VARCHAR(2048) NOT NULL,
    outcome          VARCHAR(32)  NOT NULL,
    rejected_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    raw_body         VARCHAR(4096) NOT NULL
);
CREATE INDEX usage_rejection_message_idx ON usage_rejection (message_id, id);
CREATE INDEX usage_rejection_entitlement_idx ON usage_rejection (user_id, entitlement_key, rejected_at);
