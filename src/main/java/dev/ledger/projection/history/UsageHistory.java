package dev.ledger.projection.history;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Queries of the history read model. Every query is parameterized and served by an index (adr/0010): events by
 * {@code (entitlement_id | user_id, recorded_at DESC, global_index DESC)}, rejections by
 * {@code (user_id[, entitlement_key], rejected_at DESC, id DESC)}, the export by {@code (occurred_at, global_index)}.
 */
@Component
public class UsageHistory {

    public static final Set<String> TYPES = Set.of(
            "EntitlementGranted",
            "EntitlementImported",
            "UsagePolicyChanged",
            "EntitlementActivated",
            "EntitlementDeactivated",
            "PeriodReset",
            "UsageConsumed",
            "UsageReversed",
            "UsageRejected");
    static final String REJECTED = "UsageRejected";
    private static final String EVENT_COLUMNS = "0 AS source, global_index AS id, recorded_at, event_type, user_id, "
            + "entitlement_key, sequence_number, occurred_at, amount, period_start, period_end, used_after, usage_limit, "
            + "late, dedup_key, message_id, metadata::text AS metadata, details::text AS details, NULL AS reason_code, "
            + "NULL AS reason_detail, NULL::int AS receive_count, NULL AS outcome, reversal_of, "
            + "details->>'reason' AS reason, details->>'caller' AS caller";
    private static final String REJECTION_COLUMNS = "1 AS source, id, rejected_at AS recorded_at, "
            + "'UsageRejected' AS event_type, user_id, entitlement_key, NULL::bigint AS sequence_number, "
            + "rejected_at AS occurred_at, NULL::bigint AS amount, NULL::timestamptz AS period_start, "
            + "NULL::timestamptz AS period_end, NULL::bigint AS used_after, NULL::bigint AS usage_limit, "
            + "NULL::boolean AS late, dedup_key, message_id, NULL AS metadata, NULL AS details, "
            + "reason_code, detail AS reason_detail, receive_count, outcome, NULL AS reversal_of, NULL AS reason, "
            + "NULL AS caller";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final byte[] cursorKey;

    UsageHistory(JdbcTemplate jdbc, TransactionTemplate transactions, HistorySettings settings) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.cursorKey = settings.cursorKey().getBytes(StandardCharsets.UTF_8);
    }

    /** A page, newest first, and the cursor of the next page ({@code null} on the last page). */
    public record Page(List<HistoryEntry> entries, String nextCursor) {}

    /** What to read: one entitlement ({@code entitlementKey} set) or all of a user's. */
    public record Query(
            String userId,
            String entitlementKey,
            Instant from,
            Instant to,
            Set<String> types,
            int limit,
            String cursor) {}

    public Page page(Query query) {
        HistoryCursor cursor = query.cursor() == null ? null : HistoryCursor.decode(query.cursor(), cursorKey);
        boolean events = query.types() == null || query.types().stream().anyMatch(t -> !t.equals(REJECTED));
        boolean rejections = query.types() == null || query.types().contains(REJECTED);
        int fetch = query.limit() + 1;
        List<Object> args = new ArrayList<>();
        List<String> branches = new ArrayList<>();
        if (events) {
            StringBuilder sql = new StringBuilder("SELECT " + EVENT_COLUMNS + " FROM usage_history WHERE ");
            if (query.entitlementKey() != null) {
                sql.append("entitlement_id = ?");
                args.add(query.userId() + "#" + query.entitlementKey());
            } else {
                sql.append("user_id = ?");
                args.add(query.userId());
            }
            range(sql, args, "recorded_at", query.from(), query.to());
            if (query.types() != null) {
                List<String> eventTypes = query.types().stream()
                        .filter(t -> !t.equals(REJECTED))
                        .sorted()
                        .toList();
                sql.append(" AND event_type IN (")
                        .append(String.join(
                                ", ", eventTypes.stream().map(t -> "?").toList()))
                        .append(')');
                args.addAll(eventTypes);
            }
            if (cursor != null) {
                if (cursor.source() == 1) {
                    sql.append(" AND recorded_at <= ?");
                    args.add(ts(cursor.recordedAt()));
                } else {
                    sql.append(" AND (recorded_at, global_index) < (?, ?)");
                    args.add(ts(cursor.recordedAt()));
                    args.add(cursor.id());
                }
            }
            sql.append(" ORDER BY recorded_at DESC, global_index DESC LIMIT ?");
            args.add(fetch);
            branches.add("(" + sql + ")");
        }
        if (rejections) {
            StringBuilder sql =
                    new StringBuilder("SELECT " + REJECTION_COLUMNS + " FROM usage_rejection WHERE user_id = ?");
            args.add(query.userId());
            if (query.entitlementKey() != null) {
                sql.append(" AND entitlement_key = ?");
                args.add(query.entitlementKey());
            }
            range(sql, args, "rejected_at", query.from(), query.to());
            if (cursor != null) {
                if (cursor.source() == 0) {
                    sql.append(" AND rejected_at < ?");
                    args.add(ts(cursor.recordedAt()));
                } else {
                    sql.append(" AND (rejected_at, id) < (?, ?)");
                    args.add(ts(cursor.recordedAt()));
                    args.add(cursor.id());
                }
            }
            sql.append(" ORDER BY rejected_at DESC, id DESC LIMIT ?");
            args.add(fetch);
            branches.add("(" + sql + ")");
        }
        // The branches are wrapped in a derived table: Postgres refuses "(SELECT … ORDER BY … LIMIT) ORDER BY … LIMIT"
        // when only one source is queried (a single parenthesised branch is not a UNION).
        String sql = "SELECT * FROM (" + String.join(" UNION ALL ", branches)
                + ") AS history ORDER BY recorded_at DESC, source DESC, id DESC LIMIT ?";
        args.add(fetch);
        List<HistoryEntry> entries = new ArrayList<>();
        List<HistoryCursor> positions = new ArrayList<>();
        jdbc.query(
                sql,
                rs -> {
                    positions.add(new HistoryCursor(
                            rs.getTimestamp("recorded_at").toInstant(), rs.getInt("source"), rs.getLong("id")));
                    entries.add(entry(rs));
                },
                args.toArray());
        String next = null;
        if (entries.size() > query.limit()) {
            entries.remove(entries.size() - 1);
            next = HistoryCursor.encode(positions.get(query.limit() - 1), cursorKey);
        }
        return new Page(entries, next);
    }

    /** Which time the export's range applies to. */
    public enum By {
        /** When the usage happened; a reversal takes its original's, so a range's amounts add up to its net usage. */
        occurredAt("occurred_at"),
        /** When the row was recorded: "everything recorded since my last export". */
        recordedAt("recorded_at");

        private final String column;

        By(String column) {
            this.column = column;
        }
    }

    /**
     * One exported line: a consumption, an import's opening balance or a reversal ({@code type}); {@code metadata} is
     * the stored JSON object. A reversal's {@code amount} is negative, {@code reversalOf} is the dedup key of the usage
     * it reverses, and {@code occurredAt} and the window are that usage's.
     */
    public record Consumption(
            String userId,
            String entitlementKey,
            Instant occurredAt,
            Instant recordedAt,
            long amount,
            Instant periodStart,
            Instant periodEnd,
            boolean late,
            String idempotencyKey,
            String messageId,
            @com.fasterxml.jackson.annotation.JsonRawValue String metadata,
            String type,
            String reversalOf) {}

    /**
     * Streams every {@code UsageConsumed} and {@code UsageReversed} with {@code from <= occurredAt < to} (or
     * {@code recordedAt}, by {@code by}), in that time's order, to {@code sink}, and every import's opening balance (an
     * {@code EntitlementImported} with usage tracking and a count above 0) as one line: its {@code occurredAt} is the
     * import, its {@code amount} the count carried over, {@code late} false, without key or message id, and its
     * metadata says {@code {"openingBalance":true,"importedFrom":…}}, so that the lines of a window add up to its count.
     * Rows are fetched from a server-side cursor in chunks, so memory stays flat however many rows there are.
     */
    public void export(Instant from, Instant to, By by, Consumer<Consumption> sink) {
        String sql = """
                SELECT user_id, entitlement_key, occurred_at, recorded_at, amount, period_start, period_end,
                       coalesce(late, false), dedup_key, message_id,
                       CASE WHEN event_type = 'EntitlementImported'
                            THEN jsonb_build_object('openingBalance', true,
                                                    'importedFrom', details->'importedFrom')::text
                            ELSE metadata::text END,
                       event_type, reversal_of
                FROM usage_history
                WHERE event_type IN ('UsageConsumed', 'EntitlementImported', 'UsageReversed') AND amount <> 0
                  AND %1$s >= ? AND %1$s < ?
                ORDER BY %1$s, global_index""".formatted(by.column);
        transactions.executeWithoutResult(tx -> jdbc.query(
                connection -> {
                    PreparedStatement statement =
                            connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
                    statement.setFetchSize(2_000);
                    statement.setObject(1, ts(from));
                    statement.setObject(2, ts(to));
                    return statement;
                },
                rs -> {
                    String dedupKey = rs.getString(9);
                    String messageId = rs.getString(10);
                    sink.accept(new Consumption(
                            rs.getString(1),
                            rs.getString(2),
                            instant(rs.getTimestamp(3)),
                            instant(rs.getTimestamp(4)),
                            rs.getLong(5),
                            instant(rs.getTimestamp(6)),
                            instant(rs.getTimestamp(7)),
                            rs.getBoolean(8),
                            dedupKey != null && !dedupKey.equals(messageId) ? dedupKey : null,
                            messageId,
                            rs.getString(11),
                            rs.getString(12),
                            rs.getString(13)));
                }));
    }

    private static void range(StringBuilder sql, List<Object> args, String column, Instant from, Instant to) {
        if (from != null) {
            sql.append(" AND ").append(column).append(" >= ?");
            args.add(ts(from));
        }
        if (to != null) {
            sql.append(" AND ").append(column).append(" < ?");
            args.add(ts(to));
        }
    }

    private static HistoryEntry entry(ResultSet rs) throws SQLException {
        boolean rejection = rs.getInt("source") == 1;
        return new HistoryEntry(
                rs.getString(4),
                rejection ? null : rs.getLong("id"),
                rejection ? rs.getLong("id") : null,
                rs.getString("user_id"),
                rs.getString("entitlement_key"),
                (Long) rs.getObject("sequence_number"),
                instant(rs.getTimestamp("occurred_at")),
                instant(rs.getTimestamp("recorded_at")),
                (Long) rs.getObject("amount"),
                instant(rs.getTimestamp("period_start")),
                instant(rs.getTimestamp("period_end")),
                (Long) rs.getObject("used_after"),
                (Long) rs.getObject("usage_limit"),
                (Boolean) rs.getObject("late"),
                rs.getString("dedup_key"),
                rs.getString("message_id"),
                rs.getString("metadata"),
                rs.getString("details"),
                rs.getString("reason_code"),
                rs.getString("reason_detail"),
                (Integer) rs.getObject("receive_count"),
                rs.getString("outcome"),
                rs.getString("reversal_of"),
                rs.getString("reason"),
                rs.getString("caller"));
    }

    private static OffsetDateTime ts(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
