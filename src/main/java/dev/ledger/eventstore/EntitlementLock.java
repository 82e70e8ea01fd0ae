package dev.ledger.eventstore;

import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementCommand;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.common.caching.Cache;
import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Commands on one entitlement run one at a time across all instances, and never on a stale cached copy (ADR 0015).
 * Inside the command's transaction, before the entitlement is loaded, its {@code entitlement_state} row is locked
 * ({@code SELECT … FOR UPDATE}; the row's version is the entitlement's last sequence number, written in the same
 * transaction as its events). If another instance has appended since this instance last committed to the
 * entitlement, the cached copy is dropped and the entitlement is read from the store. For {@code ConsumeUsage} the same
 * query also answers whether its dedup key was already counted, so the lock costs no extra round trip.
 *
 * <p>Without this, two instances that take turns on an entitlement collide on the append: the loser's insert has
 * already taken a global index, which its rollback leaves as a permanent gap. Every streaming processor's token then
 * carries the gap until it times out, and the event store's cache of recent events holds one copy of all gaps per
 * event: the two-worker fault-injection run ran out of heap that way.
 */
@Component
public class EntitlementLock implements MessageHandlerInterceptor<CommandMessage<?>> {

    private final JdbcTemplate jdbc;
    private final Cache cache;
    private final ReentrantLock[] stripes = new ReentrantLock[1024];
    /** The version each recently used entitlement had when this instance last committed a command to it. */
    private final Map<String, Long> committed;

    EntitlementLock(JdbcTemplate jdbc, Cache entitlementCache, EventStoreSettings settings) {
        this.jdbc = jdbc;
        this.cache = entitlementCache;
        int capacity = Math.max(1, settings.cacheSize());
        this.committed = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > capacity;
            }
        };
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
        // no commandBus.registerHandlerInterceptor(this): Axon's InterceptorAutoConfiguration registers every
        // MessageHandlerInterceptor bean, and a second registration ran the lock and its query twice per command
    }

    /**
     * Tells that the current command's transaction gives {@code entitlementId} the version {@code version}; remembered
     * once it commits. Called by the subscribing state projector, for every event.
     */
    public void appended(String entitlementId, long version) {
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().root().afterCommit(unit -> remember(entitlementId, version));
        }
    }

    @Override
    public Object handle(UnitOfWork<? extends CommandMessage<?>> unit, InterceptorChain chain) throws Exception {
        Object payload = unit.getMessage().getPayload();
        if (payload instanceof EntitlementCommand command) {
            // commands of this instance queue here, in memory, so that only one of them at a time waits for the row
            // lock: a hand-over inside the JVM is far cheaper than one through Postgres (a hot entitlement)
            ReentrantLock local = stripes[Math.floorMod(command.id().hashCode(), stripes.length)];
            local.lock();
            unit.onCleanup(u -> local.unlock());
        }
        if (payload instanceof ConsumeUsage consume) {
            // the same round trip answers the dedup check; the lock keeps the answer true until this transaction ends
            String id = consume.id().toString();
            List<Object[]> row = jdbc.query("SELECT s.version, EXISTS (SELECT 1 FROM dedup_key d "
                            + "WHERE d.entitlement_id = s.entitlement_id AND d.dedup_key = ?) "
                            + "FROM entitlement_state s WHERE s.entitlement_id = ? FOR UPDATE OF s",
                    (rs, n) -> new Object[] {rs.getLong(1), rs.getBoolean(2)}, consume.dedupKey(), id);
            if (!row.isEmpty()) {
                dropIfStale(id, (Long) row.get(0)[0]);
                JdbcDedupKeys.known(unit, consume.id(), consume.dedupKey(), (Boolean) row.get(0)[1]);
            }
        } else if (payload instanceof EntitlementCommand command) {
            String id = command.id().toString();
            List<Long> version = jdbc.queryForList(
                    "SELECT version FROM entitlement_state WHERE entitlement_id = ? FOR UPDATE", Long.class, id);
            if (!version.isEmpty()) {
                dropIfStale(id, version.get(0));
            }
        }
        return chain.proceed();
    }

    private void dropIfStale(String id, long version) {
        Long mine = remembered(id);
        if (mine == null || mine != version) {
            cache.remove(id);
        }
    }

    private synchronized void remember(String entitlementId, long version) {
        // a command's events arrive in any order here (after-commit handlers run last-registered first)
        committed.merge(entitlementId, version, Math::max);
    }

    private synchronized Long remembered(String entitlementId) {
        return committed.get(entitlementId);
    }
}
