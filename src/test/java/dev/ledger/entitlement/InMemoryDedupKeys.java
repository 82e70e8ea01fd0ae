package dev.ledger.entitlement;

import java.util.HashSet;
import java.util.Set;

/** Dedup keys for aggregate fixture tests: the same contract as the Postgres table, without a transaction. */
class InMemoryDedupKeys implements DedupKeys {

    private final Set<String> keys = new HashSet<>();

    void add(EntitlementId id, String key) {
        keys.add(id + "|" + key);
    }

    @Override
    public boolean contains(EntitlementId entitlement, String dedupKey) {
        return keys.contains(entitlement + "|" + dedupKey);
    }

    @Override
    public boolean recordIfAbsent(EntitlementId entitlement, String dedupKey) {
        return keys.add(entitlement + "|" + dedupKey);
    }
}
