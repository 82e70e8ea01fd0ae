-- The export streams consumptions and each import's opening balance (EntitlementImported) in (occurred_at,
-- global_index) order; the partial index covers both types, so the export stays an index scan without a sort.
DROP INDEX usage_history_export_idx;
CREATE INDEX usage_history_export_idx ON usage_history (occurred_at, global_index)
    WHERE event_type IN ('UsageConsumed', 'EntitlementImported');
