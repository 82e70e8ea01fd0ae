package dev.ledger.correction;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.RejectionReason;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Answers "did my message count?" from what is written with the decision, not from a lagging read model: whether it was
 * counted and how much is reversed come from {@code dedup_key} (written in the command's transaction), its position
 * and message id from the history, its rejected and invalid receives from the rejection log, and duplicates' message
 * ids from {@code usage_receipt}. Every query is served by an index on the key.
 */
@Component
class UsageRecords {

    private final JdbcTemplate jdbc;

    UsageRecords(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    private record Counted(
            String entitlementId,
            Long amount,
            long reversed,
            Instant occurredAt,
            Instant recordedAt,
            String messageId) {}

    private record Logged(String userId, String entitlementKey, String messageId, UsageRecord.Rejection rejection) {}

    /**
     * @param entitlement narrows a key counted on several entitlements to one ({@code null}: any)
     */
    UsageRecord find(String dedupKey, EntitlementId entitlement) {
        List<Counted> counted = jdbc.query(
                "SELECT entitlement_id, amount, reversed, occurred_at, recorded_at, message_id FROM dedup_key "
                        + "WHERE dedup_key = ?"
                        + (entitlement == null ? "" : " AND entitlement_id = ?")
                        + " ORDER BY recorded_at",
                (rs, n) -> new Counted(
                        rs.getString(1),
                        (Long) rs.getObject(2),
                        rs.getLong(3),
                        instant(rs.getTimestamp(4)),
                        instant(rs.getTimestamp(5)),
                        rs.getString(6)),
                entitlement == null ? new Object[] {dedupKey} : new Object[] {dedupKey, entitlement.toString()});
        if (counted.size() > 1) {
            throw new AmbiguousDedupKey(
                    dedupKey, counted.stream().map(Counted::entitlementId).toList());
        }
        List<Logged> logged = jdbc.query(
                """
                SELECT user_id, entitlement_key, message_id, reason_code, receive_count, outcome, rejected_at
                FROM usage_rejection WHERE dedup_key = ?
                UNION ALL
                SELECT user_id, entitlement_key, message_id, reason_code, receive_count, outcome, rejected_at
                FROM usage_rejection WHERE dedup_key IS NULL AND message_id = ?
                ORDER BY 7""",
                (rs, n) -> new Logged(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        new UsageRecord.Rejection(
                                rs.getString(4), rs.getInt(5), rs.getString(6), instant(rs.getTimestamp(7)))),
                dedupKey,
                dedupKey);
        if (counted.isEmpty()) {
            List<Logged> mine = entitlement == null
                    ? logged
                    : logged.stream()
                            .filter(l -> entitlement.userId().equals(l.userId())
                                    && entitlement.entitlementKey().equals(l.entitlementKey()))
                            .toList();
            if (mine.isEmpty()) {
                throw new EntitlementRejection(
                        RejectionReason.USAGE_NOT_FOUND,
                        "the ledger has never seen usage with the dedup key '" + dedupKey + "'"
                                + (entitlement == null ? "" : " on " + entitlement));
            }
            boolean invalid =
                    mine.stream().anyMatch(l -> l.rejection().outcome().equals("DEAD_LETTERED"));
            Logged last = mine.get(mine.size() - 1);
            Set<String> messageIds = new LinkedHashSet<>();
            mine.forEach(l -> messageIds.add(l.messageId()));
            return new UsageRecord(
                    dedupKey,
                    invalid ? UsageRecord.Status.INVALID : UsageRecord.Status.REJECTED,
                    last.userId(),
                    last.entitlementKey(),
                    null,
                    0,
                    null,
                    null,
                    null,
                    List.copyOf(messageIds),
                    mine.stream().map(Logged::rejection).toList());
        }
        Counted usage = counted.get(0);
        EntitlementId id = EntitlementId.parse(usage.entitlementId());
        record History(long position, Instant recordedAt, Long amount, Instant occurredAt, String messageId) {}
        List<History> history = jdbc.query(
                """
                SELECT global_index, recorded_at, amount, occurred_at, message_id FROM usage_history
                WHERE dedup_key = ? AND entitlement_id = ? AND event_type = 'UsageConsumed'""",
                (rs, n) -> new History(
                        rs.getLong(1),
                        instant(rs.getTimestamp(2)),
                        (Long) rs.getObject(3),
                        instant(rs.getTimestamp(4)),
                        rs.getString(5)),
                dedupKey,
                usage.entitlementId());
        History event = history.isEmpty() ? null : history.get(0);
        Long amount = usage.amount() != null ? usage.amount() : event == null ? null : event.amount();
        Set<String> messageIds = new LinkedHashSet<>();
        String countedMessage =
                usage.messageId() != null ? usage.messageId() : event == null ? null : event.messageId();
        if (countedMessage != null) {
            messageIds.add(countedMessage);
        }
        List<UsageRecord.Rejection> rejections = new ArrayList<>();
        for (Logged l : logged) {
            if (id.userId().equals(l.userId()) && id.entitlementKey().equals(l.entitlementKey())) {
                messageIds.add(l.messageId());
                rejections.add(l.rejection());
            }
        }
        messageIds.addAll(jdbc.queryForList(
                "SELECT message_id FROM usage_receipt WHERE dedup_key = ? AND entitlement_id = ? ORDER BY received_at",
                String.class,
                dedupKey,
                usage.entitlementId()));
        UsageRecord.Status status = usage.reversed() == 0
                ? UsageRecord.Status.COUNTED
                : amount != null && usage.reversed() < amount
                        ? UsageRecord.Status.PARTIALLY_REVERSED
                        : UsageRecord.Status.REVERSED;
        return new UsageRecord(
                dedupKey,
                status,
                id.userId(),
                id.entitlementKey(),
                amount,
                usage.reversed(),
                event == null ? null : event.position(),
                usage.occurredAt() != null ? usage.occurredAt() : event == null ? null : event.occurredAt(),
                event != null ? event.recordedAt() : usage.recordedAt(),
                List.copyOf(messageIds),
                rejections);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
