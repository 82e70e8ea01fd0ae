package dev.ledger.projection;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.axonframework.config.Configuration;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.eventsourcing.EventStreamUtils;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The one way the projection tools (drift check, one-pass rebuilds) and explain read the event store: every event goes
 * through Axon's event serializer and upcaster chain, so an upcaster changes what they compute exactly as it changes
 * what the processors apply. The processors themselves read through Axon's own stream ({@link PromptEventSource}),
 * which upcasts the same way.
 *
 * <p>Events come grouped by aggregate, in sequence order, because the tools fold each entitlement's events into its
 * whole state and must do so with bounded memory whatever the history; within a read, one aggregate's events follow
 * each other. A read is one {@code REPEATABLE READ} snapshot: if it holds an event of an aggregate, it holds all the
 * earlier ones (an event is appended only after its aggregate's earlier events committed). Rows are streamed from a
 * server-side cursor and deserialized in chunks.
 */
@Component
public class EventLog {

    private static final int FETCH_SIZE = 5_000;
    private static final int CHUNK = 500;
    /** As far back as missing global indexes are kept as gaps that may still fill (Axon's default maxGapOffset). */
    private static final long GAP_WINDOW = 10_000;

    private static final String EVENTS = """
            SELECT aggregate_identifier, sequence_number, type, event_identifier, time_stamp, payload_type,
                   payload_revision, payload, meta_data
            FROM domain_event_entry
            WHERE type = ? AND global_index <= ?
            ORDER BY aggregate_identifier, sequence_number""";
    private static final String AGGREGATE_EVENTS = """
            SELECT aggregate_identifier, sequence_number, type, event_identifier, time_stamp, payload_type,
                   payload_revision, payload, meta_data, global_index
            FROM domain_event_entry
            WHERE aggregate_identifier = ?
            ORDER BY sequence_number""";
    private static final String EVENTS_IN_ORDER = """
            SELECT aggregate_identifier, sequence_number, type, event_identifier, time_stamp, payload_type,
                   payload_revision, payload, meta_data, global_index
            FROM domain_event_entry
            WHERE global_index <= ?
            ORDER BY global_index""";
    private static final String GAPS = """
            SELECT s FROM generate_series(greatest(?, (SELECT min(global_index) FROM domain_event_entry)), ?) AS s
            WHERE NOT EXISTS (SELECT 1 FROM domain_event_entry e WHERE e.global_index = s)""";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate snapshot;
    private final ObjectProvider<Configuration> axon;

    EventLog(JdbcTemplate jdbc, PlatformTransactionManager transactions, ObjectProvider<Configuration> axon) {
        this.jdbc = jdbc;
        this.axon = axon;
        this.snapshot = new TransactionTemplate(transactions);
        this.snapshot.setReadOnly(true);
        // one snapshot for the head, its gaps and the events
        this.snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
    }

    /**
     * Hands every event of the aggregates of {@code aggregateType} to {@code sink}, upcast and deserialized, grouped by
     * aggregate and in sequence order, from one snapshot of the store.
     *
     * @return the position the read covered: the highest global index, with the indexes below it that were missing
     *     (appends that had not committed, which a processor resuming from there must still apply); empty when the
     *     store holds no event
     */
    public Optional<GapAwareTrackingToken> readByAggregate(String aggregateType, Consumer<DomainEventMessage<?>> sink) {
        Configuration configuration = axon.getObject();
        Chunks chunks = new Chunks(configuration, sink);
        Optional<GapAwareTrackingToken> covered = snapshot.execute(transaction -> {
            Long head = jdbc.queryForObject("SELECT max(global_index) FROM domain_event_entry", Long.class);
            if (head == null) {
                return Optional.empty();
            }
            Set<Long> gaps = new TreeSet<>(jdbc.queryForList(GAPS, Long.class, head - GAP_WINDOW, head));
            jdbc.query(
                    connection -> {
                        // forward-only, inside a transaction, with a fetch size: Postgres streams the rows from a
                        // cursor
                        PreparedStatement statement = connection.prepareStatement(
                                EVENTS, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
                        statement.setFetchSize(FETCH_SIZE);
                        statement.setString(1, aggregateType);
                        statement.setLong(2, head);
                        return statement;
                    },
                    rs -> {
                        chunks.add(entry(rs));
                    });
            chunks.flush();
            return Optional.of(GapAwareTrackingToken.newInstance(head, gaps));
        });
        return covered;
    }

    /**
     * Hands every event to {@code sink} in the order of the store (global index), upcast and deserialized as
     * {@link #readByAggregate} does, each with its global index, from one snapshot of the store.
     *
     * @return the position the read covered, as {@link #readByAggregate} returns it; empty when the store is empty
     */
    public Optional<GapAwareTrackingToken> readInOrder(Consumer<StoredEvent> sink) {
        Map<String, Long> positions = new HashMap<>();
        Chunks chunks = positioned(positions, sink);
        return snapshot.execute(transaction -> {
            Long head = jdbc.queryForObject("SELECT max(global_index) FROM domain_event_entry", Long.class);
            if (head == null) {
                return Optional.empty();
            }
            Set<Long> gaps = new TreeSet<>(jdbc.queryForList(GAPS, Long.class, head - GAP_WINDOW, head));
            jdbc.query(
                    connection -> {
                        PreparedStatement statement = connection.prepareStatement(
                                EVENTS_IN_ORDER, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
                        statement.setFetchSize(FETCH_SIZE);
                        statement.setLong(1, head);
                        return statement;
                    },
                    rs -> {
                        positions.put(rs.getString(4), rs.getLong(10));
                        chunks.add(entry(rs));
                    });
            chunks.flush();
            return Optional.of(GapAwareTrackingToken.newInstance(head, gaps));
        });
    }

    /** An event with its position in the store: {@code position} is its global index. */
    public record StoredEvent(long position, DomainEventMessage<?> message) {}

    /**
     * Hands every event of one aggregate to {@code sink}, in sequence order, upcast and deserialized exactly as
     * {@link #readByAggregate} does, each with its global index; rows are streamed and deserialized in chunks. The
     * message's timestamp is the event's {@code time_stamp}, when it was recorded.
     *
     * @return whether the aggregate has any event
     */
    public boolean readAggregate(String aggregateIdentifier, Consumer<StoredEvent> sink) {
        Map<String, Long> positions = new HashMap<>();
        Chunks chunks = positioned(positions, sink);
        return Boolean.TRUE.equals(snapshot.execute(transaction -> {
            boolean[] any = {false};
            jdbc.query(
                    connection -> {
                        PreparedStatement statement = connection.prepareStatement(
                                AGGREGATE_EVENTS, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
                        statement.setFetchSize(FETCH_SIZE);
                        statement.setString(1, aggregateIdentifier);
                        return statement;
                    },
                    rs -> {
                        any[0] = true;
                        positions.put(rs.getString(4), rs.getLong(10));
                        chunks.add(entry(rs));
                    });
            chunks.flush();
            return any[0];
        }));
    }

    /**
     * Chunks that hand each upcast event to {@code sink} with its global index, taken from {@code positions} (event
     * identifier to global index, filled as rows are read). An upcaster keeps an event's identifier, so the position
     * is found by it; an event an upcaster made up (a split) takes the position of the event before it.
     */
    private Chunks positioned(Map<String, Long> positions, Consumer<StoredEvent> sink) {
        long[] previous = {-1};
        return new Chunks(axon.getObject(), event -> {
            Long position = positions.remove(event.getIdentifier());
            previous[0] = position == null ? previous[0] : position;
            sink.accept(new StoredEvent(previous[0], event));
        });
    }

    private static GenericDomainEventEntry<byte[]> entry(ResultSet rs) throws SQLException {
        return new GenericDomainEventEntry<>(
                rs.getString(3),
                rs.getString(1),
                rs.getLong(2),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getBytes(8),
                rs.getBytes(9));
    }

    /** Rows gathered and upcast a chunk at a time: the upcaster chain works on streams of serialized events. */
    private static final class Chunks {
        private final Configuration configuration;
        private final Consumer<DomainEventMessage<?>> sink;
        private final List<GenericDomainEventEntry<byte[]>> pending = new ArrayList<>(CHUNK);

        Chunks(Configuration configuration, Consumer<DomainEventMessage<?>> sink) {
            this.configuration = configuration;
            this.sink = sink;
        }

        void add(GenericDomainEventEntry<byte[]> entry) {
            pending.add(entry);
            if (pending.size() == CHUNK) {
                flush();
            }
        }

        void flush() {
            DomainEventStream events = EventStreamUtils.upcastAndDeserializeDomainEvents(
                    pending.stream(), configuration.eventSerializer(), configuration.upcasterChain());
            while (events.hasNext()) {
                sink.accept(events.next());
            }
            pending.clear();
        }
    }
}
