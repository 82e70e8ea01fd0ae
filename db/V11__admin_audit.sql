-- The admin audit trail (issue 16, adr/0021): one row per admin request, whatever its outcome, written after the
-- request by the audit filter. Append-only: a statement trigger refuses UPDATE, DELETE and TRUNCATE for every user,
-- the owner included; the owner (the service's own user, adr/0019) also gives up those privileges below, so the
-- service may only INSERT and SELECT. Changing a row takes a deliberate ALTER TABLE ... DISABLE TRIGGER by the owner.
CREATE TABLE admin_audit (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              TIMESTAMP WITH TIME ZONE NOT NULL,
    caller          VARCHAR(256)  NOT NULL,
    role            VARCHAR(16),
    action          VARCHAR(32)   NOT NULL,
    user_id         VARCHAR(512),
    entitlement_key VARCHAR(512),
    target          VARCHAR(2048),
    reason          VARCHAR(2048),
    request_id      VARCHAR(128)  NOT NULL,
    status          INTEGER       NOT NULL
);

-- newest first, alone or filtered by caller or action; from/to narrow the same ranges
CREATE INDEX admin_audit_at_idx ON admin_audit (at DESC, id DESC);
CREATE INDEX admin_audit_caller_idx ON admin_audit (caller, at DESC, id DESC);
CREATE INDEX admin_audit_action_idx ON admin_audit (action, at DESC, id DESC);

CREATE FUNCTION admin_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege', HINT = 'audit rows are never changed or removed (adr/0021)';
END;
$$;

CREATE TRIGGER admin_audit_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON admin_audit
    FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON admin_audit FROM CURRENT_USER;
