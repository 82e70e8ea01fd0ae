package dev.ledger.audit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The table {@code admin_audit}: rows are only ever inserted (a trigger refuses UPDATE, DELETE and TRUNCATE) and read
 * newest first by {@code (at, id)}, keyset-paged, from the indexes {@code (at, id)}, {@code (caller, at, id)} and
 * {@code (action, at, id)}.
 */
@Component
class AuditLog {

    private static final String COLUMNS =
            "id, at, caller, role, action, user_id, entitlement_key, target, reason, request_id, status";

    private final JdbcTemplate jdbc;

    AuditLog(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** What to read; every filter is optional. {@code to} is exclusive. */
    record Query(Instant from, Instant to, String caller, String action, int limit, AuditCursor after) {}

    /** A page, newest first, and the cursor of the next one ({@code null} on the last page). */
    record Page(List<AuditEntry> entries, String nextCursor) {}

    /** Appends the entry in a transaction of its own; its {@code id} is ignored and assigned by the database. */
    void append(AuditEntry entry) {
        jdbc.update(
                "INSERT INTO admin_audit (at, caller, role, action, user_id, entitlement_key, target, reason, "
                        + "request_id, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                OffsetDateTime.ofInstant(entry.at(), ZoneOffset.UTC),
                entry.caller(),
                entry.role(),
                entry.action(),
                entry.userId(),
                entry.entitlementKey(),
                entry.target(),
                entry.reason(),
                entry.requestId(),
                entry.status());
    }

    Page page(Query query) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM admin_audit WHERE TRUE");
        List<Object> args = new ArrayList<>();
        if (query.caller() != null) {
            sql.append(" AND caller = ?");
            args.add(query.caller());
        }
        if (query.action() != null) {
            sql.append(" AND action = ?");
            args.add(query.action());
        }
        if (query.from() != null) {
            sql.append(" AND at >= ?");
            args.add(OffsetDateTime.ofInstant(query.from(), ZoneOffset.UTC));
        }
        if (query.to() != null) {
            sql.append(" AND at < ?");
            args.add(OffsetDateTime.ofInstant(query.to(), ZoneOffset.UTC));
        }
        if (query.after() != null) {
            sql.append(" AND (at, id) < (?, ?)");
            args.add(OffsetDateTime.ofInstant(query.after().at(), ZoneOffset.UTC));
            args.add(query.after().id());
        }
        sql.append(" ORDER BY at DESC, id DESC LIMIT ?");
        args.add(query.limit() + 1);
        List<AuditEntry> rows = jdbc.query(sql.toString(), AuditLog::entry, args.toArray());
        if (rows.size() <= query.limit()) {
            return new Page(rows, null);
        }
        List<AuditEntry> page = rows.subList(0, query.limit());
        AuditEntry last = page.get(page.size() - 1);
        return new Page(List.copyOf(page), new AuditCursor(last.at(), last.id()).encode());
    }

    private static AuditEntry entry(ResultSet row, int number) throws SQLException {
        return new AuditEntry(
                row.getLong("id"),
                row.getObject("at", OffsetDateTime.class).toInstant(),
                row.getString("caller"),
                row.getString("role"),
                row.getString("action"),
                row.getString("user_id"),
                row.getString("entitlement_key"),
                row.getString("target"),
                row.getString("reason"),
                row.getString("request_id"),
                row.getInt("status"));
    }
}
