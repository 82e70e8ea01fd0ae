package dev.ledger.eventstore;

import dev.ledger.entitlement.DedupKeys;
import dev.ledger.entitlement.EntitlementId;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Dedup keys in Postgres. Both calls run inside the command's transaction (Axon's command bus opens it), so an
 * inserted key commits or rolls back together with the {@code UsageConsumed} event it guards. A concurrent writer
 * that inserts the same key blocks on the primary key until the first transaction ends, then sees the conflict.
 */
@Component
class JdbcDedupKeys implements DedupKeys {

    private final JdbcTemplate jdbc;

    JdbcDedupKeys(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Records, for the rest of {@code unit}, whether {@code dedupKey} was counted for {@code entitlement}: read by
     * {@link EntitlementLock} while it holds the entitlement's lock, so no other transaction can change the answer.
     */
    static void known(UnitOfWork<?> unit, EntitlementId entitlement, String dedupKey, boolean counted) {
        unit.root().resources().put(resource(entitlement, dedupKey), counted);
    }

    private static String resource(EntitlementId entitlement, String dedupKey) {
        return "dedup-known:" + entitlement + "\u0000" + dedupKey;
    }

    @Override
    public boolean contains(EntitlementId entitlement, String dedupKey) {
        if (CurrentUnitOfWork.isStarted()) {
            Boolean known = CurrentUnitOfWork.get().root().getResource(resource(entitlement, dedupKey));
            if (known != null) {
                return known;
            }
        }
        Boolean found = jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM dedup_key WHERE entitlement_id = ? AND dedup_key = ?)",
                Boolean.class, entitlement.toString(), dedupKey);
        return Boolean.TRUE.equals(found);
    }

    @Override
    public boolean recordIfAbsent(EntitlementId entitlement, String dedupKey) {
        return jdbc.update("INSERT INTO dedup_key (entitlement_id, dedup_key) VALUES (?, ?) ON CONFLICT DO NOTHING",
                entitlement.toString(), dedupKey) == 1;
    }
}
