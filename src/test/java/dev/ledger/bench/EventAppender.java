package dev.ledger.bench;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import org.axonframework.messaging.MetaData;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;

/**
 * Writes events straight into {@code domain_event_entry} in the format Axon's JPA storage engine writes (as
 * {@code SnapshotTest} does), in JDBC batches: the fast way to give an entitlement a long history. The payloads are
 * serialized with the application's own serializer, so the aggregate, the projections and the rebuild read them like
 * any other event.
 */
final class EventAppender implements AutoCloseable {

    private static final String INSERT = "INSERT INTO domain_event_entry (global_index, aggregate_identifier, "
            + "sequence_number, type, event_identifier, meta_data, payload, payload_revision, payload_type, "
            + "time_stamp) VALUES (nextval('domain_event_entry_seq'), ?, ?, 'Entitlement', ?, ?, ?, ?, ?, ?)";
    private static final int BATCH = 5_000;

    private final Serializer serializer;
    private final Connection connection;
    private final PreparedStatement statement;
    private final byte[] metaData;
    private int pending;
    private long appended;

    EventAppender(TestDatabase.Database database, Serializer serializer) throws SQLException {
        this.serializer = serializer;
        Properties properties = new Properties();
        properties.setProperty("user", database.username());
        properties.setProperty("password", database.password() == null ? "" : database.password());
        properties.setProperty("reWriteBatchedInserts", "true");
        this.connection = DriverManager.getConnection(database.url(), properties);
        this.connection.setAutoCommit(false);
        this.statement = connection.prepareStatement(INSERT);
        this.metaData =
                serializer.serialize(MetaData.emptyInstance(), byte[].class).getData();
    }

    /** Appends event {@code sequence} of {@code id}'s aggregate. Sequence numbers must follow on from the last. */
    void append(EntitlementId id, long sequence, Object payload, Instant timestamp) throws SQLException {
        SerializedObject<byte[]> data = serializer.serialize(payload, byte[].class);
        statement.setString(1, id.toString());
        statement.setLong(2, sequence);
        statement.setString(3, UUID.randomUUID().toString());
        statement.setBytes(4, metaData);
        statement.setBytes(5, data.getData());
        statement.setString(6, data.getType().getRevision());
        statement.setString(7, data.getType().getName());
        statement.setString(8, timestamp.toString());
        statement.addBatch();
        appended++;
        if (++pending == BATCH) {
            flush();
        }
    }

    long appended() {
        return appended;
    }

    void flush() throws SQLException {
        if (pending > 0) {
            statement.executeBatch();
            connection.commit();
            pending = 0;
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            flush();
        } finally {
            statement.close();
            connection.close();
        }
    }
}
