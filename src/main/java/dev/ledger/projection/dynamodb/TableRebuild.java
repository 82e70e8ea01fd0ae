package dev.ledger.projection.dynamodb;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.projection.BulkRebuild;
import dev.ledger.projection.Projection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.axonframework.config.Configuration;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.EventStreamUtils;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.upcasting.event.EventUpcaster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Rebuilds the entitlements table in one pass over the event store (ADR 0014): all events are read in a single
 * statement ordered by entitlement and sequence number, each entitlement's events are folded into its whole item
 * with the processor's own {@link ItemChange}, and each item is written once, under the usual generation and version
 * condition. One statement is one snapshot of the store: if it holds an event of an entitlement, it holds all the
 * earlier ones too (a later event is appended only after the earlier ones committed). Events committed after the
 * snapshot are applied by the processor when it resumes from its tokens; what the snapshot already held is skipped by
 * the version condition.
 *
 * <p>Memory stays bounded whatever the history: events are fetched in pages from a server-side cursor and
 * deserialized in chunks, with Axon's serializer and upcaster chain.
 */
@Component
@ConditionalOnProperty(name = "ledger.dynamodb.bulk-rebuild", havingValue = "true", matchIfMissing = true)
class TableRebuild implements BulkRebuild, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(TableRebuild.class);
    private static final int FETCH_SIZE = 5_000;
    private static final int CHUNK = 500;
    private static final long PROGRESS_EVERY = 20_000;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** As far back as missing global indexes are kept as gaps that may still fill (Axon's default maxGapOffset). */
    private static final long GAP_WINDOW = 10_000;
    private static final String EVENTS = """
            SELECT aggregate_identifier, sequence_number, type, event_identifier, time_stamp, payload_type,
                   payload_revision, payload, meta_data
            FROM domain_event_entry
            WHERE global_index <= ?
            ORDER BY aggregate_identifier, sequence_number""";
    private static final String GAPS = """
            SELECT s FROM generate_series(greatest(?, (SELECT min(global_index) FROM domain_event_entry)), ?) AS s
            WHERE NOT EXISTS (SELECT 1 FROM domain_event_entry e WHERE e.global_index = s)""";

    private final EntitlementTable table;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate readOnly;
    private final ObjectProvider<Configuration> axon;
    private final DynamoDbSettings settings;
    private final ExecutorService writers;
    private final Semaphore inFlight;

    TableRebuild(EntitlementTable table, JdbcTemplate jdbc, PlatformTransactionManager transactions,
                 ObjectProvider<Configuration> axon,
                 DynamoDbSettings settings) {
        this.table = table;
        this.jdbc = jdbc;
        this.readOnly = new TransactionTemplate(transactions);
        this.readOnly.setReadOnly(true);
        // one snapshot for the head, its gaps and the events
        this.readOnly.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        this.axon = axon;
        this.settings = settings;
        this.writers = Executors.newFixedThreadPool(settings.writeParallelism(), runnable -> {
            Thread thread = new Thread(runnable, "entitlement-table-rebuild");
            thread.setDaemon(true);
            return thread;
        });
        // enough writes queued to keep every writer busy, few enough that reading never runs far ahead of writing
        this.inFlight = new Semaphore(settings.writeParallelism() * 8);
    }

    @Override
    public Projection projection() {
        return Projection.DYNAMODB;
    }

    @Override
    public void prepare() {
        table.ensureExists(settings.createTable());
    }

    @Override
    public TrackingToken rebuild(long generation, LongConsumer progress) {
        Fold fold = new Fold(generation, progress);
        TrackingToken covered = readOnly.execute(transaction -> {
            Long head = jdbc.queryForObject("SELECT max(global_index) FROM domain_event_entry", Long.class);
            if (head == null) {
                return null;
            }
            // indexes taken by transactions that had not committed: the processor must still see them if they do
            Set<Long> gaps = new TreeSet<>(jdbc.queryForList(GAPS, Long.class, head - GAP_WINDOW, head));
            jdbc.query(connection -> {
                // forward-only, inside a transaction, with a fetch size: Postgres streams the rows from a cursor
                PreparedStatement statement = connection.prepareStatement(EVENTS, ResultSet.TYPE_FORWARD_ONLY,
                        ResultSet.CONCUR_READ_ONLY);
                statement.setFetchSize(FETCH_SIZE);
                statement.setLong(1, head);
                return statement;
            }, fold);
            return GapAwareTrackingToken.newInstance(head, gaps);
        });
        fold.finish();
        log.info("Bulk rebuild of {} (generation {}): {} events folded into {} items, {} written, up to {}",
                table.name(), generation, fold.events, fold.items, fold.items - fold.skipped.get(), covered);
        return covered;
    }

    /** Folds the rows of one entitlement after another and hands each finished item to the writers. */
    private final class Fold implements RowCallbackHandler {
        private final long generation;
        private final LongConsumer progress;
        private final Serializer serializer;
        private final EventUpcaster upcasters;
        private final List<GenericDomainEventEntry<byte[]>> chunk = new ArrayList<>(CHUNK);
        private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        private final AtomicLong skipped = new AtomicLong();
        private String aggregate;
        private ItemChange change;
        private long events;
        private long items;

        Fold(long generation, LongConsumer progress) {
            this.generation = generation;
            this.progress = progress;
            Configuration configuration = axon.getObject();
            this.serializer = configuration.eventSerializer();
            this.upcasters = configuration.upcasterChain();
        }

        @Override
        public void processRow(ResultSet rs) throws SQLException {
            String identifier = rs.getString(1);
            if (!identifier.equals(aggregate)) {
                complete();
                aggregate = identifier;
                EntitlementId id = EntitlementId.parse(identifier);
                change = new ItemChange(id.userId(), id.entitlementKey());
            }
            chunk.add(new GenericDomainEventEntry<>(rs.getString(3), identifier, rs.getLong(2), rs.getString(4),
                    rs.getString(5), rs.getString(6), rs.getString(7), rs.getBytes(8), rs.getBytes(9)));
            if (chunk.size() == CHUNK) {
                applyChunk();
            }
            if (++events % PROGRESS_EVERY == 1) {
                progress.accept(events);
            }
        }

        private void applyChunk() {
            DomainEventStream stream = EventStreamUtils.upcastAndDeserializeDomainEvents(chunk.stream(), serializer,
                    upcasters);
            while (stream.hasNext()) {
                DomainEventMessage<?> event = stream.next();
                change.apply(event.getPayload(), event.getSequenceNumber());
            }
            chunk.clear();
        }

        /** The current entitlement's events are all folded: write its item. */
        private void complete() {
            if (aggregate == null) {
                return;
            }
            applyChunk();
            RuntimeException failed = failure.get();
            if (failed != null) {
                throw failed;
            }
            ItemChange item = change;
            inFlight.acquireUninterruptibly();
            items++;
            writers.execute(() -> {
                try {
                    if (!write(item)) {
                        skipped.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                } finally {
                    inFlight.release();
                }
            });
        }

        void finish() {
            complete();
            int permits = settings.writeParallelism() * 8;
            inFlight.acquireUninterruptibly(permits);
            inFlight.release(permits);
            progress.accept(events);
            RuntimeException failed = failure.get();
            if (failed != null) {
                throw failed;
            }
        }

        /** One item write, retried with backoff for {@code ledger.dynamodb.bulk-write-retry}. */
        private boolean write(ItemChange item) {
            long giveUp = System.nanoTime() + settings.bulkWriteRetry().toNanos();
            Duration backoff = FIRST_BACKOFF;
            while (true) {
                try {
                    return table.write(item, generation);
                } catch (SdkException e) {
                    if (System.nanoTime() > giveUp) {
                        throw new IllegalStateException("bulk rebuild: writing the item of " + item.userId() + " / "
                                + item.entitlementKey() + " kept failing for " + settings.bulkWriteRetry(), e);
                    }
                    log.warn("Bulk rebuild: item write failed, retrying in {} ms: {}", backoff.toMillis(),
                            e.toString());
                    sleep(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF
                            : backoff.multipliedBy(2);
                }
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bulk rebuild interrupted", e);
        }
    }

    @Override
    public void destroy() {
        writers.shutdownNow();
    }
}
