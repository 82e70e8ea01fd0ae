package dev.ledger.bench;

import dev.ledger.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * How far the ledger's usage history has come, read from its database, so that waiting for a phase to end costs the
 * ledger's process nothing: a Prometheus scrape of its fine-bucketed histogram is a few ms of its CPU, and polling one
 * every 50 ms cost it several % (seen in the JFR profile). The history rows above the store's head when the phase
 * began are the phase's usages (one connection, kept open; one indexed query per read).
 */
final class LedgerProgress implements AutoCloseable {

    private final Connection connection;
    private final PreparedStatement rows;
    private final PreparedStatement head;
    private long base;

    LedgerProgress(TestDatabase.Database database) throws SQLException {
        connection = database.connect();
        rows = connection.prepareStatement("SELECT count(*) FROM usage_history WHERE global_index > ?");
        head = connection.prepareStatement("SELECT coalesce(max(global_index), 0) FROM domain_event_entry");
    }

    /**
     * Counts from here on: a phase appends only the {@code UsageConsumed} events of its messages, so the events and
     * rows above the store's head now are the phase's.
     */
    synchronized void mark() throws SQLException {
        try (ResultSet rs = head.executeQuery()) {
            rs.next();
            base = rs.getLong(1);
        }
    }

    /** Usages in the history since {@link #mark}. */
    synchronized long historied() throws SQLException {
        rows.setLong(1, base);
        try (ResultSet rs = rows.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
