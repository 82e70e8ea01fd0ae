package dev.ledger.command;

import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.Consumption;
import dev.ledger.entitlement.EntitlementCommand;
import dev.ledger.entitlement.ReverseUsage;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.common.caching.Cache;
import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The one step before an entitlement loads (ADR 0015). Inside the command's transaction it:
 * <ol>
 *   <li>queues the commands of this instance for the same entitlement in memory, so that only one of them at a time
 *       waits for the row lock (a hand-over inside the JVM is far cheaper than one through Postgres);</li>
 *   <li>locks the entitlement's {@code entitlement_state} row ({@code SELECT … FOR UPDATE}), so commands on one
 *       entitlement run one at a time across all instances;</li>
 *   <li>drops the cached copy of the entitlement unless this instance wrote the row last: then another instance has
 *       appended since, and the entitlement is read from the store;</li>
 *   <li>for {@code ConsumeUsage}, answers "already counted?" in the same query and short-circuits a duplicate with
 *       {@link Consumption#DUPLICATE}: the aggregate is not loaded, nothing is appended and no balance changes, even if
 *       the entitlement has since become inactive or full.</li>
 * </ol>
 * The dedup key of a counted usage is recorded by {@link EntitlementStateProjector} in the same transaction as its
 * event, so the lock keeps the answer true until this transaction ends.
 *
 * <p>Without the row lock, two instances that take turns on an entitlement collide on the append: the loser's insert
 * has already taken a global index, which its rollback leaves as a permanent gap that every streaming processor's token
 * carries until it times out.
 */
@Component
class EntitlementLock implements MessageHandlerInterceptor<CommandMessage<?>> {

    private final JdbcTemplate jdbc;
    private final Cache cache;
    private final InstanceIdentity instance;
    private final ReentrantLock[] stripes = new ReentrantLock[1024];

    EntitlementLock(JdbcTemplate jdbc, Cache entitlementCache, InstanceIdentity instance) {
        this.jdbc = jdbc;
        this.cache = entitlementCache;
        this.instance = instance;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
        // no commandBus.registerHandlerInterceptor(this): Axon's InterceptorAutoConfiguration registers every
        // MessageHandlerInterceptor bean, and a second registration ran the lock and its query twice per command
    }

    @Override
    public Object handle(UnitOfWork<? extends CommandMessage<?>> unit, InterceptorChain chain) throws Exception {
        if (!(unit.getMessage().getPayload() instanceof EntitlementCommand command)) {
            return chain.proceed();
        }
        ReentrantLock local = stripes[Math.floorMod(command.id().hashCode(), stripes.length)];
        local.lock();
        unit.onCleanup(u -> local.unlock());

        String id = command.id().toString();
        String dedupKey = command instanceof ConsumeUsage consume ? consume.dedupKey() : null;
        List<RowLock> row = jdbc.query("""
                        SELECT s.written_by, EXISTS (SELECT 1 FROM dedup_key d
                                                     WHERE d.entitlement_id = s.entitlement_id AND d.dedup_key = ?)
                        FROM entitlement_state s WHERE s.entitlement_id = ? FOR UPDATE OF s""", (rs, n) -> new RowLock(rs.getString(1), rs.getBoolean(2)), dedupKey, id);
        if (row.isEmpty()) {
            return chain.proceed(); // no entitlement yet: a grant or import creates it, anything else is not found
        }
        if (!instance.id().equals(row.get(0).writtenBy())) {
            cache.remove(id);
        }
        if (row.get(0).counted()) {
            return Consumption.DUPLICATE;
        }
        Object key = unit.getMessage().getMetaData().get(Reversals.IDEMPOTENCY_KEY);
        if (command instanceof ReverseUsage && key != null && keyTaken(key.toString())) {
            throw new IdempotencyKeyTaken(key.toString());
        }
        return chain.proceed();
    }

    /** Whether a reversal was recorded under {@code key}: asked under the row lock, so it stays true. */
    private boolean keyTaken(String key) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM reversal_request WHERE idempotency_key = ?)", Boolean.class, key));
    }

    private record RowLock(String writtenBy, boolean counted) {}
}
