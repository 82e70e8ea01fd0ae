package dev.ledger.command;

import dev.ledger.entitlement.CountedUsage;
import dev.ledger.entitlement.EntitlementId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What was counted under a dedup key on an entitlement: the facts {@link EntitlementStateProjector} records beside the
 * key in the same transaction as the {@code UsageConsumed}. They never change, so a reversal may read them before its
 * command takes the entitlement's lock. A key counted before these facts were recorded (migration V10) and not yet
 * reached by the history then either reads them from the history or, while the history lags, fails rather than guess.
 */
@Component
public class CountedUsages {

    private final JdbcTemplate jdbc;

    CountedUsages(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<CountedUsage> find(EntitlementId id, String dedupKey) {
        Optional<Row> row = jdbc
                .query(
                        "SELECT amount, occurred_at, period_start, period_end FROM dedup_key "
                                + "WHERE entitlement_id = ? AND dedup_key = ?",
                        CountedUsages::row,
                        id.toString(),
                        dedupKey)
                .stream()
                .findFirst();
        if (row.isEmpty()) {
            return Optional.empty();
        }
        if (row.get().amount() != null) {
            return Optional.of(row.get().usage(dedupKey));
        }
        return Optional.of(jdbc
                .query(
                        "SELECT amount, occurred_at, period_start, period_end FROM usage_history "
                                + "WHERE dedup_key = ? AND entitlement_id = ? AND event_type = 'UsageConsumed'",
                        CountedUsages::row,
                        dedupKey,
                        id.toString())
                .stream()
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the usage '" + dedupKey + "' of " + id
                        + " was counted before its facts were recorded, and the history has not reached it yet; "
                        + "retry when the usage-history processor has caught up"))
                .usage(dedupKey));
    }

    private record Row(Long amount, Instant occurredAt, Instant periodStart, Instant periodEnd) {
        CountedUsage usage(String dedupKey) {
            return new CountedUsage(dedupKey, amount, occurredAt, periodStart, periodEnd);
        }
    }

    private static Row row(ResultSet rs, int n) throws SQLException {
        return new Row(
                (Long) rs.getObject(1),
                instant(rs.getTimestamp(2)),
                instant(rs.getTimestamp(3)),
                instant(rs.getTimestamp(4)));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
