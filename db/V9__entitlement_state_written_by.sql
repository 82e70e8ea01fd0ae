-- The instance that wrote an entitlement's row last (issue 15, ADR 0015). The command side's lock step reads it under
-- the row lock: when another instance wrote last, this instance's cached copy of the entitlement is stale and is
-- dropped. NULL (rows written before this column) reads as "another instance", so the first command reloads.
ALTER TABLE entitlement_state ADD COLUMN written_by VARCHAR(64);
