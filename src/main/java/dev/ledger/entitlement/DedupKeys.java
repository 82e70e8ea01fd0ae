package dev.ledger.entitlement;

/**
 * The permanent record of the dedup keys an entitlement has counted. The implementation writes in the same transaction
 * as the event append, so a key exists exactly when the {@code UsageConsumed} that carries it does. Claiming the key
 * before the write, and losing the usage when the write fails, is the bug this avoids.
 */
public interface DedupKeys {

    /** Whether {@code dedupKey} has already been counted for {@code entitlement}. */
    boolean contains(EntitlementId entitlement, String dedupKey);

    /**
     * Records {@code dedupKey} for {@code entitlement} within the current unit of work; it rolls back with it.
     *
     * @return {@code true} if the key is new, {@code false} if another writer recorded it first (a duplicate)
     */
    boolean recordIfAbsent(EntitlementId entitlement, String dedupKey);
}
