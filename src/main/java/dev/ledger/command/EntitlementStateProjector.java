package dev.ledger.command;

import dev.ledger.entitlement.EntitlementActivated;
import dev.ledger.entitlement.EntitlementDeactivated;
import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementImported;
import dev.ledger.entitlement.PeriodReset;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.entitlement.UsagePolicyChanged;
import dev.ledger.entitlement.UsageReversed;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Keeps {@code entitlement_state} and {@code dedup_key} in step with the events. The processing group is subscribing,
 * so it runs inside the command's transaction: the row, the dedup key and the events commit together. Every write is
 * guarded by {@code version < seq}, so applying an event twice changes nothing. The row names the instance that wrote
 * it last ({@code written_by}), which tells {@link EntitlementLock} whether this instance's cached copy is current.
 */
@Component
@ProcessingGroup(EntitlementStateProjector.PROCESSING_GROUP)
class EntitlementStateProjector {

    static final String PROCESSING_GROUP = "entitlement-state";

    private final JdbcTemplate jdbc;
    private final InstanceIdentity instance;

    EntitlementStateProjector(JdbcTemplate jdbc, InstanceIdentity instance) {
        this.jdbc = jdbc;
        this.instance = instance;
    }

    @EventHandler
    void on(EntitlementGranted event, @SequenceNumber long sequence, @Timestamp Instant at) {
        insert(
                event.userId(),
                event.entitlementKey(),
                event.active(),
                event.usage(),
                0,
                event.periodStart(),
                event.periodEnd(),
                sequence,
                at);
    }

    /** An import starts the row like a grant, with the opening balance as {@code used}. */
    @EventHandler
    void on(EntitlementImported event, @SequenceNumber long sequence, @Timestamp Instant at) {
        insert(
                event.userId(),
                event.entitlementKey(),
                event.active(),
                event.usage(),
                event.used(),
                event.periodStart(),
                event.periodEnd(),
                sequence,
                at);
    }

    private void insert(
            String userId,
            String entitlementKey,
            boolean active,
            UsagePolicy usage,
            long used,
            Instant periodStart,
            Instant periodEnd,
            long sequence,
            Instant at) {
        jdbc.update(
                """
                INSERT INTO entitlement_state (entitlement_id, user_id, entitlement_key, active, usage_limit, period,
                    anchor, over_limit, used, period_start, period_end, version, updated_at, written_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (entitlement_id) DO NOTHING""",
                id(userId, entitlementKey),
                userId,
                entitlementKey,
                active,
                usage == null ? null : usage.limit(),
                usage == null ? null : usage.period().name(),
                usage == null ? null : ts(usage.anchor()),
                usage == null ? null : usage.overLimit().name(),
                used,
                ts(periodStart),
                ts(periodEnd),
                sequence,
                ts(at),
                instance.id());
    }

    @EventHandler
    void on(UsagePolicyChanged event, @SequenceNumber long sequence, @Timestamp Instant at) {
        UsagePolicy usage = event.usage();
        update(
                event.userId(),
                event.entitlementKey(),
                sequence,
                at,
                "usage_limit = ?, period = ?, anchor = ?, over_limit = ?, used = ?, period_start = ?, period_end = ?",
                usage == null ? null : usage.limit(),
                usage == null ? null : usage.period().name(),
                usage == null ? null : ts(usage.anchor()),
                usage == null ? null : usage.overLimit().name(),
                event.used(),
                ts(event.periodStart()),
                ts(event.periodEnd()));
    }

    @EventHandler
    void on(EntitlementDeactivated event, @SequenceNumber long sequence, @Timestamp Instant at) {
        update(event.userId(), event.entitlementKey(), sequence, at, "active = ?", false);
    }

    @EventHandler
    void on(EntitlementActivated event, @SequenceNumber long sequence, @Timestamp Instant at) {
        update(event.userId(), event.entitlementKey(), sequence, at, "active = ?", true);
    }

    @EventHandler
    void on(PeriodReset event, @SequenceNumber long sequence, @Timestamp Instant at) {
        update(
                event.userId(),
                event.entitlementKey(),
                sequence,
                at,
                "used = 0, period_start = ?, period_end = ?",
                ts(event.periodStart()),
                ts(event.periodEnd()));
    }

    /**
     * Besides the balance, records the usage's dedup key. A plain insert: {@link EntitlementLock} answered "not yet
     * counted" under the row lock, so a conflict here means a double count, and it rolls the command back.
     */
    @EventHandler
    void on(UsageConsumed event, @SequenceNumber long sequence, @Timestamp Instant at) {
        boolean applied = event.late()
                ? update(event.userId(), event.entitlementKey(), sequence, at, "used = used")
                : update(event.userId(), event.entitlementKey(), sequence, at, "used = ?", event.usedAfter());
        if (applied && event.dedupKey() != null) {
            jdbc.update(
                    """
                    INSERT INTO dedup_key (entitlement_id, dedup_key, amount, occurred_at, period_start, period_end,
                        message_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    id(event.userId(), event.entitlementKey()),
                    event.dedupKey(),
                    event.amount(),
                    ts(event.occurredAt()),
                    ts(event.periodStart()),
                    ts(event.periodEnd()),
                    event.sourceMessageId());
        }
    }

    /**
     * A reversal changes the count only when its usage was in the tracked window ({@code usedAfter} set); it always
     * adds to what has been reversed of its usage, and a reversal made with an {@code Idempotency-Key} records the key
     * and its answer, so that a repeat answers the same. The key's primary key refuses a second use in a race.
     */
    @EventHandler
    void on(
            UsageReversed event,
            @SequenceNumber long sequence,
            @Timestamp Instant at,
            @MetaDataValue(Reversals.IDEMPOTENCY_KEY) String idempotencyKey,
            @MetaDataValue(Reversals.FINGERPRINT) String fingerprint) {
        boolean applied = event.usedAfter() == null
                ? update(event.userId(), event.entitlementKey(), sequence, at, "used = used")
                : update(event.userId(), event.entitlementKey(), sequence, at, "used = ?", event.usedAfter());
        if (!applied) {
            return;
        }
        String id = id(event.userId(), event.entitlementKey());
        jdbc.update(
                "UPDATE dedup_key SET reversed = reversed + ? WHERE entitlement_id = ? AND dedup_key = ?",
                event.amount(),
                id,
                event.reversalOf());
        if (idempotencyKey != null) {
            long used = event.current()
                    ? event.usedAfter()
                    : jdbc.queryForObject(
                            "SELECT CASE WHEN period_end IS NOT NULL AND period_end <= ? THEN 0 ELSE used END "
                                    + "FROM entitlement_state WHERE entitlement_id = ?",
                            Long.class,
                            ts(event.reversedAt()),
                            id);
            jdbc.update(
                    """
                    INSERT INTO reversal_request (idempotency_key, fingerprint, reversal_id, entitlement_id, dedup_key,
                        amount, remaining, period_start, period_end, current_window, used)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    idempotencyKey,
                    fingerprint,
                    event.reversalId(),
                    id,
                    event.reversalOf(),
                    event.amount(),
                    event.remaining(),
                    ts(event.periodStart()),
                    ts(event.periodEnd()),
                    event.current(),
                    used);
        }
    }

    /** Applies the event to the row unless it already was; {@code true} if it changed the row. */
    private boolean update(String userId, String key, long sequence, Instant at, String assignments, Object... values) {
        Object[] args = new Object[values.length + 5];
        System.arraycopy(values, 0, args, 0, values.length);
        args[values.length] = ts(at);
        args[values.length + 1] = sequence;
        args[values.length + 2] = instance.id();
        args[values.length + 3] = id(userId, key);
        args[values.length + 4] = sequence;
        int updated = jdbc.update(
                "UPDATE entitlement_state SET " + assignments
                        + ", updated_at = ?, version = ?, written_by = ? WHERE entitlement_id = ? AND version < ?",
                args);
        if (updated == 0 && !exists(userId, key)) {
            throw new IllegalStateException("entitlement_state has no row for " + id(userId, key)
                    + "; the state table is out of step with the event store");
        }
        return updated == 1;
    }

    private boolean exists(String userId, String key) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM entitlement_state WHERE entitlement_id = ?)",
                Boolean.class,
                id(userId, key)));
    }

    private static String id(String userId, String key) {
        return EntitlementId.of(userId, key).toString();
    }

    private static OffsetDateTime ts(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
