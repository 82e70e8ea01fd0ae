package dev.ledger.projection.dynamodb;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.EntitlementActivated;
import dev.ledger.entitlement.EntitlementDeactivated;
import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementImported;
import dev.ledger.entitlement.PeriodReset;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicyChanged;
import dev.ledger.entitlement.UsageReversed;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionDelay;
import dev.ledger.projection.Rebuilds;
import dev.ledger.threads.Threads;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ReplayStatus;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;

/**
 * Keeps the entitlements table current. Events of a batch are not written one by one: their changes are merged per
 * entitlement and written once, when the batch commits (before its token is stored). A failed write fails the batch,
 * so the token does not move and the processor retries it with backoff; nothing is ever logged and skipped. A rebuild
 * does not replay through here: it rewrites the table in one pass ({@link TableRebuild}) while this processor is
 * stopped, and the processor resumes from what the pass covered. Once a batch's writes are acknowledged, the delay of
 * its usages from SQS is recorded ({@link ProjectionDelay}).
 */
@Component
@ProcessingGroup(EntitlementTableProjector.PROCESSOR)
class EntitlementTableProjector implements DisposableBean {

    static final String PROCESSOR = "entitlement-table";
    private static final String BATCH = PROCESSOR + ".batch";

    private final EntitlementTable table;
    private final Rebuilds rebuilds;
    private final ThreadPoolTaskExecutor writers;
    private final ProjectionDelay delay;

    EntitlementTableProjector(
            EntitlementTable table, Rebuilds rebuilds, DynamoDbSettings settings, MeterRegistry meters, Clock clock) {
        this.table = table;
        this.rebuilds = rebuilds;
        this.writers = Threads.pool("entitlement-table-writer", settings.writeParallelism(), meters);
        this.delay = new ProjectionDelay(Projection.DYNAMODB, meters, clock);
    }

    @EventHandler
    void on(EntitlementGranted event, @SequenceNumber long sequence) {
        stage(event.userId(), event.entitlementKey(), event, sequence);
    }

    @EventHandler
    void on(EntitlementImported event, @SequenceNumber long sequence) {
        stage(event.userId(), event.entitlementKey(), event, sequence);
    }

    @EventHandler
    void on(UsagePolicyChanged event, @SequenceNumber long sequence) {
        stage(event.userId(), event.entitlementKey(), event, sequence);
    }

    @EventHandler
    void on(EntitlementDeactivated event, @SequenceNumber long sequence) {
        stage(event.userId(), event.entitlementKey(), event, sequence);
    }

    @EventHandler
    void on(EntitlementActivated event, @SequenceNumber long sequence) {
        stage(event.userId(), event.entitlementKey(), event, sequence);
    }

    @EventHandler
    void on(PeriodReset event, @SequenceNumber long sequence) {
        stage(event.userId(), event.entitlementKey(), event, sequence);
    }

    @EventHandler
    void on(
            UsageConsumed event,
            @SequenceNumber long sequence,
            @MetaDataValue(Ledger.SQS_SENT_TIMESTAMP) Object sentAt,
            ReplayStatus replay) {
        Long toRecord = ProjectionDelay.toRecord(sentAt, replay);
        Batch batch = stage(event.userId(), event.entitlementKey(), event, sequence);
        if (toRecord != null) {
            batch.sentTimes().add(toRecord);
        }
    }

    @EventHandler
    void on(UsageReversed event, @SequenceNumber long sequence) {
        stage(event.userId(), event.entitlementKey(), event, sequence);
    }

    /** A batch's changes, merged per entitlement, and the SQS send times of its usages (epoch milliseconds). */
    private record Batch(Map<String, ItemChange> changes, List<Long> sentTimes) {}

    private Batch stage(String userId, String key, Object event, long sequence) {
        UnitOfWork<?> unit = CurrentUnitOfWork.get().root();
        Batch batch = unit.getOrComputeResource(BATCH, name -> {
            Batch pending = new Batch(new LinkedHashMap<>(), new ArrayList<>());
            unit.onPrepareCommit(u -> flush(pending));
            return pending;
        });
        batch.changes()
                .computeIfAbsent(EntitlementId.of(userId, key).toString(), id -> new ItemChange(userId, key))
                .apply(event, sequence);
        return batch;
    }

    private void flush(Batch batch) {
        long generation = rebuilds.activeGeneration(PROCESSOR);
        List<CompletableFuture<Boolean>> writes =
                new ArrayList<>(batch.changes().size());
        for (ItemChange change : batch.changes().values()) {
            writes.add(CompletableFuture.supplyAsync(() -> table.write(change, generation), writers));
        }
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException failed) {
            throw failed.getCause() instanceof RuntimeException runtime ? runtime : failed;
        }
        delay.applied(batch.sentTimes());
    }

    @Override
    public void destroy() {
        writers.destroy();
    }
}
