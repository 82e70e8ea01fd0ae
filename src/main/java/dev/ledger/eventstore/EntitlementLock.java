package dev.ledger.eventstore;

import dev.ledger.entitlement.EntitlementCommand;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.axonframework.commandhandling.CommandBus;
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
 * entitlement, the cached copy is dropped and the entitlement is read from the store.
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
    /** The version each recently used entitlement had when this instance last committed a command to it. */
    private final Map<String, Long> committed;

    EntitlementLock(JdbcTemplate jdbc, Cache entitlementCache, EventStoreSettings settings, CommandBus commandBus) {
        this.jdbc = jdbc;
        this.cache = entitlementCache;
        int capacity = Math.max(1, settings.cacheSize());
        this.committed = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > capacity;
            }
        };
        commandBus.registerHandlerInterceptor(this);
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
        if (unit.getMessage().getPayload() instanceof EntitlementCommand command) {
            String id = command.id().toString();
            List<Long> version = jdbc.queryForList(
                    "SELECT version FROM entitlement_state WHERE entitlement_id = ? FOR UPDATE", Long.class, id);
            if (!version.isEmpty() && !version.get(0).equals(remembered(id))) {
                cache.remove(id);
            }
        }
        return chain.proceed();
    }

    private synchronized void remember(String entitlementId, long version) {
        // a command's events arrive in any order here (after-commit handlers run last-registered first)
        committed.merge(entitlementId, version, Math::max);
    }

    private synchronized Long remembered(String entitlementId) {
        return committed.get(entitlementId);
    }
}
