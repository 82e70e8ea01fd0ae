package dev.ledger.projection.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.command.Ledger;
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
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionDelay;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.ReplayStatus;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.messaging.annotation.MessageIdentifier;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes one {@code usage_history} row per event. Rows of a batch are inserted together when the batch commits, in the
 * same database transaction as the processor's token, so each event is applied exactly once; the insert also ignores a
 * position it already has. A rebuild rewrites the table in one pass ({@link HistoryRebuild}) with this processor's row
 * builder ({@link #rowOf}); a reset of the tokens would empty it ({@link ResetHandler}) and replay every event. Once a
 * batch is committed, the delay of its usages from SQS is recorded ({@link ProjectionDelay}; not during a replay).
 */
@Component
@ProcessingGroup(UsageHistoryProjector.PROCESSOR)
class UsageHistoryProjector {

    static final String PROCESSOR = "usage-history";
    private static final String BATCH = PROCESSOR + ".batch";
    private static final String INSERT = """
            INSERT INTO usage_history (global_index, entitlement_id, user_id, entitlement_key, sequence_number,
                event_type, occurred_at, recorded_at, amount, period_start, period_end, used_after, usage_limit, late,
                dedup_key, message_id, metadata, details, reversal_of)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?)
            ON CONFLICT (global_index) DO NOTHING""";

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final ProjectionDelay delay;

    UsageHistoryProjector(JdbcTemplate jdbc, ObjectMapper json, MeterRegistry meters, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.delay = new ProjectionDelay(Projection.HISTORY, meters, clock);
    }

    @EventHandler
    void on(EntitlementGranted e, @SequenceNumber long seq, @Timestamp Instant at, @MessageIdentifier String eventId) {
        stage(entitlementGranted(e, seq, at, eventId));
    }

    private Row entitlementGranted(EntitlementGranted e, long seq, Instant at, String eventId) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("active", e.active());
        details.put("usage", policy(e.usage()));
        return row(eventId, e.userId(), e.entitlementKey(), seq, "EntitlementGranted", e.grantedAt(), at)
                .period(e.periodStart(), e.periodEnd())
                .limit(e.usage() == null ? null : e.usage().limit())
                .details(details);
    }

    /**
     * One entry for the import. With usage tracking, {@code amount} and {@code usedAfter} are the opening balance, so
     * that the export can show it as one line and the history's counts add up from there.
     */
    @EventHandler
    void on(EntitlementImported e, @SequenceNumber long seq, @Timestamp Instant at, @MessageIdentifier String eventId) {
        stage(entitlementImported(e, seq, at, eventId));
    }

    private Row entitlementImported(EntitlementImported e, long seq, Instant at, String eventId) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("active", e.active());
        details.put("usage", policy(e.usage()));
        details.put("importedFrom", e.importedFrom());
        details.put("importedBy", e.importedBy());
        Row row = row(eventId, e.userId(), e.entitlementKey(), seq, "EntitlementImported", e.importedAt(), at)
                .period(e.periodStart(), e.periodEnd())
                .limit(e.usage() == null ? null : e.usage().limit())
                .details(details);
        if (e.usage() != null) {
            row.amount = e.used();
            row.usedAfter = e.used();
        }
        return row;
    }

    @EventHandler
    void on(UsagePolicyChanged e, @SequenceNumber long seq, @Timestamp Instant at, @MessageIdentifier String eventId) {
        stage(usagePolicyChanged(e, seq, at, eventId));
    }

    private Row usagePolicyChanged(UsagePolicyChanged e, long seq, Instant at, String eventId) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("usage", policy(e.usage()));
        Row row = row(eventId, e.userId(), e.entitlementKey(), seq, "UsagePolicyChanged", e.changedAt(), at)
                .period(e.periodStart(), e.periodEnd())
                .limit(e.usage() == null ? null : e.usage().limit())
                .details(details);
        row.usedAfter = e.usage() == null ? null : e.used();
        return row;
    }

    @EventHandler
    void on(
            EntitlementDeactivated e,
            @SequenceNumber long seq,
            @Timestamp Instant at,
            @MessageIdentifier String eventId) {
        stage(entitlementDeactivated(e, seq, at, eventId));
    }

    private Row entitlementDeactivated(EntitlementDeactivated e, long seq, Instant at, String eventId) {
        return row(eventId, e.userId(), e.entitlementKey(), seq, "EntitlementDeactivated", e.deactivatedAt(), at);
    }

    @EventHandler
    void on(
            EntitlementActivated e,
            @SequenceNumber long seq,
            @Timestamp Instant at,
            @MessageIdentifier String eventId) {
        stage(entitlementActivated(e, seq, at, eventId));
    }

    private Row entitlementActivated(EntitlementActivated e, long seq, Instant at, String eventId) {
        return row(eventId, e.userId(), e.entitlementKey(), seq, "EntitlementActivated", e.activatedAt(), at);
    }

    @EventHandler
    void on(PeriodReset e, @SequenceNumber long seq, @Timestamp Instant at, @MessageIdentifier String eventId) {
        stage(periodReset(e, seq, at, eventId));
    }

    private Row periodReset(PeriodReset e, long seq, Instant at, String eventId) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("reason", e.reason().name());
        details.put("previousPeriodStart", e.previousPeriodStart().toString());
        details.put(
                "previousPeriodEnd",
                e.previousPeriodEnd() == null ? null : e.previousPeriodEnd().toString());
        details.put("previousUsage", e.previousUsage());
        Row row = row(eventId, e.userId(), e.entitlementKey(), seq, "PeriodReset", e.resetAt(), at)
                .period(e.periodStart(), e.periodEnd())
                .details(details);
        row.usedAfter = 0L;
        return row;
    }

    @EventHandler
    void on(
            UsageConsumed e,
            @SequenceNumber long seq,
            @Timestamp Instant at,
            @MessageIdentifier String eventId,
            @MetaDataValue(Ledger.SQS_SENT_TIMESTAMP) Object sentAt,
            ReplayStatus replay) {
        Row row = usageConsumed(e, seq, at, eventId);
        row.sentAt = ProjectionDelay.toRecord(sentAt, replay);
        stage(row);
    }

    private Row usageConsumed(UsageConsumed e, long seq, Instant at, String eventId) {
        Row row = row(eventId, e.userId(), e.entitlementKey(), seq, "UsageConsumed", e.occurredAt(), at)
                .period(e.periodStart(), e.periodEnd())
                .limit(e.limit());
        row.amount = e.amount();
        row.usedAfter = e.usedAfter();
        row.late = e.late();
        row.dedupKey = e.dedupKey();
        row.messageId = e.sourceMessageId();
        row.metadata = write(e.metadata());
        return row;
    }

    /**
     * A reversal's row sits with the usage it reverses: {@code occurredAt} and the window are the original's,
     * {@code amount} is negative, {@code reversalOf} is the original's dedup key; the reason, the caller, the reversal's
     * id, what remains unreversed and whether the window was current are its details.
     */
    @EventHandler
    void on(UsageReversed e, @SequenceNumber long seq, @Timestamp Instant at, @MessageIdentifier String eventId) {
        stage(usageReversed(e, seq, at, eventId));
    }

    private Row usageReversed(UsageReversed e, long seq, Instant at, String eventId) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("reversalId", e.reversalId());
        details.put("reason", e.reason());
        details.put("caller", e.caller());
        details.put("remaining", e.remaining());
        details.put("current", e.current());
        details.put("reversedAt", e.reversedAt().toString());
        Row row = row(eventId, e.userId(), e.entitlementKey(), seq, "UsageReversed", e.originalOccurredAt(), at)
                .period(e.periodStart(), e.periodEnd())
                .details(details);
        row.amount = -e.amount();
        row.usedAfter = e.usedAfter();
        row.reversalOf = e.reversalOf();
        return row;
    }

    /**
     * The row of any event this projection keeps, as its handler builds it: the one-pass rebuild
     * ({@link HistoryRebuild}) writes the same rows the processor does. Null for an event it does not keep.
     */
    Row rowOf(EventMessage<?> event, long sequence) {
        Object payload = event.getPayload();
        Instant at = event.getTimestamp();
        String id = event.getIdentifier();
        if (payload instanceof EntitlementGranted e) {
            return entitlementGranted(e, sequence, at, id);
        }
        if (payload instanceof EntitlementImported e) {
            return entitlementImported(e, sequence, at, id);
        }
        if (payload instanceof UsagePolicyChanged e) {
            return usagePolicyChanged(e, sequence, at, id);
        }
        if (payload instanceof EntitlementDeactivated e) {
            return entitlementDeactivated(e, sequence, at, id);
        }
        if (payload instanceof EntitlementActivated e) {
            return entitlementActivated(e, sequence, at, id);
        }
        if (payload instanceof PeriodReset e) {
            return periodReset(e, sequence, at, id);
        }
        if (payload instanceof UsageConsumed e) {
            return usageConsumed(e, sequence, at, id);
        }
        if (payload instanceof UsageReversed e) {
            return usageReversed(e, sequence, at, id);
        }
        return null;
    }

    /** Inserts rows whose positions are known (the rebuild reads them with the events). */
    void insert(List<Row> rows, List<Long> positions) {
        List<Object[]> values = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            values.add(rows.get(i).values(positions.get(i)));
        }
        jdbc.batchUpdate(INSERT, values);
    }

    @ResetHandler
    void onReset() {
        jdbc.update("DELETE FROM usage_history");
    }

    private Row row(
            String eventId, String userId, String key, long seq, String type, Instant occurredAt, Instant recordedAt) {
        return new Row(eventId, userId, key, seq, type, occurredAt == null ? recordedAt : occurredAt, recordedAt);
    }

    private void stage(Row row) {
        UnitOfWork<?> batch = CurrentUnitOfWork.get().root();
        List<Row> rows = batch.getOrComputeResource(BATCH, name -> {
            List<Row> pending = new ArrayList<>();
            batch.onPrepareCommit(u -> insert(pending));
            batch.afterCommit(u -> delay.applied(pending.stream()
                    .map(r -> r.sentAt)
                    .filter(sentAt -> sentAt != null)
                    .toList()));
            return pending;
        });
        rows.add(row);
    }

    /**
     * Inserts a batch's rows keyed by each event's global index, looked up by event identifier in one query. The
     * tracking token is no substitute: an event that arrives late to fill a gap in the global index carries a token
     * whose position is the highest index seen, not its own.
     */
    private void insert(List<Row> rows) {
        Map<String, Long> positions = new HashMap<>();
        jdbc.query(
                "SELECT event_identifier, global_index FROM domain_event_entry WHERE event_identifier = ANY (?)",
                rs -> {
                    positions.put(rs.getString(1), rs.getLong(2));
                },
                (Object) rows.stream().map(r -> r.eventId).toArray(String[]::new));
        List<Object[]> values = new ArrayList<>(rows.size());
        for (Row row : rows) {
            Long position = positions.get(row.eventId);
            if (position == null) {
                throw new IllegalStateException("event " + row.eventId + " is not in the event store");
            }
            values.add(row.values(position));
        }
        jdbc.batchUpdate(INSERT, values);
    }

    private static Map<String, Object> policy(UsagePolicy usage) {
        if (usage == null) {
            return null;
        }
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("limit", usage.limit());
        policy.put("period", usage.period().name());
        policy.put("anchor", usage.anchor() == null ? null : usage.anchor().toString());
        policy.put("overLimit", usage.overLimit().name());
        return policy;
    }

    private String write(Object value) {
        try {
            return value == null ? null : json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    final class Row {
        final String eventId;
        final String userId;
        final String key;
        final long sequence;
        final String type;
        final Instant occurredAt;
        final Instant recordedAt;
        Long amount;
        Instant periodStart;
        Instant periodEnd;
        Long usedAfter;
        Long limit;
        Boolean late;
        String dedupKey;
        String messageId;
        String metadata;
        String details;
        String reversalOf;
        /** The SQS send time of a usage to record once its row is committed (epoch milliseconds), or null. */
        Long sentAt;

        Row(
                String eventId,
                String userId,
                String key,
                long sequence,
                String type,
                Instant occurredAt,
                Instant recordedAt) {
            this.eventId = eventId;
            this.userId = userId;
            this.key = key;
            this.sequence = sequence;
            this.type = type;
            this.occurredAt = occurredAt;
            this.recordedAt = recordedAt;
        }

        Row period(Instant start, Instant end) {
            periodStart = start;
            periodEnd = end;
            return this;
        }

        Row limit(Long value) {
            limit = value;
            return this;
        }

        Row details(Map<String, Object> value) {
            details = write(value);
            return this;
        }

        Object[] values(long position) {
            return new Object[] {
                position,
                EntitlementId.of(userId, key).toString(),
                userId,
                key,
                sequence,
                type,
                ts(occurredAt),
                ts(recordedAt),
                amount,
                ts(periodStart),
                ts(periodEnd),
                usedAfter,
                limit,
                late,
                dedupKey,
                messageId,
                metadata,
                details,
                reversalOf
            };
        }
    }

    private static OffsetDateTime ts(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
