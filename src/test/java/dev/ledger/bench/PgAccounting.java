package dev.ledger.bench;

import dev.ledger.support.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Postgres did during a phase: statements ({@code pg_stat_statements}, when the server preloads it), transactions,
 * WAL bytes (LSN difference), the database's growth on disk and the server's CPU time (its process tree in
 * {@code /proc}). Counts are cluster-wide
 * and taken while only the measured consumer uses Postgres.
 */
final class PgAccounting {

    /** One reading. */
    record Snapshot(long statements, long commits, long walLsnBytes, double cpuMillis, long databaseBytes) {}

    private final TestDatabase.Database database;
    private final boolean statementsAvailable;
    private final long postmaster;

    PgAccounting(TestDatabase.Database database) throws SQLException {
        this.database = database;
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement()) {
            boolean available;
            try {
                statement.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
                try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM pg_stat_statements")) {
                    available = rs.next();
                }
            } catch (SQLException notPreloaded) {
                available = false;
            }
            statementsAvailable = available;
            try (ResultSet rs = statement.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                postmaster = ProcCpu.parent(rs.getLong(1));
            }
        }
    }

    boolean statementsAvailable() {
        return statementsAvailable;
    }

    /** Forgets the statement statistics, so that {@link #topStatements} covers what follows. */
    void resetStatements() throws SQLException {
        if (statementsAvailable) {
            try (Connection connection = database.connect();
                    Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_stat_statements_reset()");
            }
        }
    }

    Snapshot snapshot() throws SQLException {
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement()) {
            long statements = -1;
            if (statementsAvailable) {
                try (ResultSet rs = statement.executeQuery("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
                        + "WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_current_wal_lsn%'")) {
                    rs.next();
                    statements = rs.getLong(1);
                }
            }
            long commits;
            try (ResultSet rs = statement.executeQuery("SELECT sum(xact_commit) FROM pg_stat_database")) {
                rs.next();
                commits = rs.getLong(1);
            }
            long lsn;
            try (ResultSet rs = statement.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
                rs.next();
                lsn = rs.getLong(1);
            }
            long size;
            try (ResultSet rs = statement.executeQuery("SELECT pg_database_size(current_database())")) {
                rs.next();
                size = rs.getLong(1);
            }
            return new Snapshot(statements, commits, lsn, postmaster > 0 ? ProcCpu.treeMillis(postmaster) : 0, size);
        }
    }

    /** The most frequent statements since the last reset: calls per message, mean time, the text. */
    List<Map<String, Object>> topStatements(long messages, int limit) throws SQLException {
        List<Map<String, Object>> top = new ArrayList<>();
        if (!statementsAvailable || messages <= 0) {
            return top;
        }
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT calls, total_exec_time, rows, query FROM "
                        + "pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' "
                        + "AND query NOT LIKE '%pg_current_wal_lsn%' ORDER BY calls DESC LIMIT " + limit)) {
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("callsPerMessage", Percentiles.round((double) rs.getLong(1) / messages));
                row.put("meanMillis", Percentiles.round(rs.getDouble(2) / Math.max(1, rs.getLong(1))));
                row.put("rowsPerCall", Percentiles.round((double) rs.getLong(3) / Math.max(1, rs.getLong(1))));
                String query = rs.getString(4).replaceAll("\\s+", " ");
                row.put("query", query.length() > 160 ? query.substring(0, 160) + "…" : query);
                top.add(row);
            }
        }
        return top;
    }
}
