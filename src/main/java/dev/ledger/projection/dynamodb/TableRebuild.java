package dev.ledger.projection.dynamodb;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.projection.BulkRebuild;
import dev.ledger.projection.EventLog;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionRetry;
import dev.ledger.threads.Threads;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Rebuilds the entitlements table in one pass over the event store (ADR 0014): the {@link EventLog} hands over every
 * entitlement's events, upcast, one entitlement after another, from one snapshot of the store; each entitlement's
 * events are folded into its whole item with the processor's own {@link ItemChange}, and each item is written once,
 * under the usual generation and version condition. Events committed after the snapshot are applied by the processor
 * when it resumes from what the pass covered; what the snapshot already held is skipped by the version condition.
 *
 * <p>Memory stays bounded whatever the history: writes run on {@code ledger.dynamodb.write-parallelism} threads, and
 * reading waits when that many times eight writes are queued.
 */
@Component
class TableRebuild implements BulkRebuild, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(TableRebuild.class);
    private static final long PROGRESS_EVERY = 20_000;

    private final EntitlementTable table;
    private final EventLog events;
    private final ProjectionRetry retry;
    private final DynamoDbSettings settings;
    private final ThreadPoolTaskExecutor writers;
    private final int queued;
    private final Semaphore inFlight;

    TableRebuild(
            EntitlementTable table,
            EventLog events,
            ProjectionRetry retry,
            DynamoDbSettings settings,
            MeterRegistry meters) {
        this.table = table;
        this.events = events;
        this.retry = retry;
        this.settings = settings;
        this.writers = Threads.pool("entitlement-table-rebuild", settings.writeParallelism(), meters);
        // enough writes queued to keep every writer busy, few enough that reading never runs far ahead of writing
        this.queued = settings.writeParallelism() * 8;
        this.inFlight = new Semaphore(queued);
    }

    @Override
    public Projection projection() {
        return Projection.DYNAMODB;
    }

    /** A table that is gone is created where this instance may ({@code ledger.dynamodb.create-table}). */
    @Override
    public void prepare() {
        table.ensureExists(settings.createTable());
    }

    @Override
    public TrackingToken rebuild(long generation, LongConsumer progress) {
        Fold fold = new Fold(generation, progress);
        TrackingToken covered =
                events.readByAggregate(EntitlementTable.AGGREGATE, fold::apply).orElse(null);
        fold.finish();
        log.info(
                "Bulk rebuild of {} (generation {}): {} events folded into {} items, {} written, up to {}",
                table.name(),
                generation,
                fold.events,
                fold.items,
                fold.items - fold.skipped.get(),
                covered);
        return covered;
    }

    /** Folds the events of one entitlement after another and hands each finished item to the writers. */
    private final class Fold {
        private final long generation;
        private final LongConsumer progress;
        private final RetryTemplate writes;
        private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        private final AtomicLong skipped = new AtomicLong();
        private String aggregate;
        private ItemChange change;
        private long events;
        private long items;

        Fold(long generation, LongConsumer progress) {
            this.generation = generation;
            this.progress = progress;
            this.writes = retry.retrying("bulk rebuild: item write", settings.bulkWriteRetry(), SdkException.class);
        }

        void apply(DomainEventMessage<?> event) {
            if (!event.getAggregateIdentifier().equals(aggregate)) {
                complete();
                aggregate = event.getAggregateIdentifier();
                EntitlementId id = EntitlementId.parse(aggregate);
                change = new ItemChange(id.userId(), id.entitlementKey());
            }
            change.apply(event.getPayload(), event.getSequenceNumber());
            if (++events % PROGRESS_EVERY == 1) {
                progress.accept(events);
            }
        }

        /** The current entitlement's events are all folded: write its item. */
        private void complete() {
            if (aggregate == null) {
                return;
            }
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
            inFlight.acquireUninterruptibly(queued);
            inFlight.release(queued);
            progress.accept(events);
            RuntimeException failed = failure.get();
            if (failed != null) {
                throw failed;
            }
        }

        /** One item write, retried for {@code ledger.dynamodb.bulk-write-retry}. */
        private boolean write(ItemChange item) {
            try {
                return writes.execute(attempt -> table.write(item, generation));
            } catch (SdkException e) {
                throw new IllegalStateException(
                        "bulk rebuild: writing the item of " + item.userId() + " / " + item.entitlementKey()
                                + " kept failing for " + settings.bulkWriteRetry(),
                        e);
            }
        }
    }

    @Override
    public void destroy() {
        writers.destroy();
    }
}
