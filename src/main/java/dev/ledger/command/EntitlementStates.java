package dev.ledger.command;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.PeriodWindow;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads the stored state of entitlements and the dedup keys they have counted. */
@Component
public class EntitlementStates {

    private static final String COLUMNS = "user_id, entitlement_key, active, usage_limit, period, anchor, over_limit, "
            + "used, period_start, period_end, version, updated_at";

    private final JdbcTemplate jdbc;

    EntitlementStates(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<EntitlementState> find(EntitlementId id) {
        return jdbc
                .query(
                        "SELECT " + COLUMNS + " FROM entitlement_state WHERE entitlement_id = ?",
                        EntitlementStates::map,
                        id.toString())
                .stream()
                .findFirst();
    }

    public List<EntitlementState> findByUser(String userId) {
        return jdbc.query(
                "SELECT " + COLUMNS + " FROM entitlement_state WHERE user_id = ? ORDER BY entitlement_key",
                EntitlementStates::map,
                userId);
    }

    /** Whether {@code dedupKey} has been counted for {@code id} (its {@code UsageConsumed} is committed). */
    public boolean counted(EntitlementId id, String dedupKey) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM dedup_key WHERE entitlement_id = ? AND dedup_key = ?)",
                Boolean.class,
                id.toString(),
                dedupKey));
    }

    private static EntitlementState map(ResultSet rs, int row) throws SQLException {
        Instant periodStart = instant(rs.getTimestamp("period_start"));
        Instant periodEnd = instant(rs.getTimestamp("period_end"));
        long limit = rs.getLong("usage_limit");
        Long usageLimit = rs.wasNull() ? null : limit;
        return new EntitlementState(
                rs.getString("user_id"),
                rs.getString("entitlement_key"),
                rs.getBoolean("active"),
                EntitlementState.policy(
                        usageLimit,
                        rs.getString("period"),
                        instant(rs.getTimestamp("anchor")),
                        rs.getString("over_limit")),
                periodStart == null ? null : new PeriodWindow(periodStart, periodEnd),
                rs.getLong("used"),
                rs.getLong("version"),
                instant(rs.getTimestamp("updated_at")));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
