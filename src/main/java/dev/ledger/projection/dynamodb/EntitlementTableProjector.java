package dev.ledger.projection.dynamodb;

import dev.ledger.entitlement.EntitlementActivated;
import dev.ledger.entitlement.EntitlementDeactivated;
import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementImported;
import dev.ledger.entitlement.PeriodReset;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicyChanged;
import dev.ledger.projection.Rebuilds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ReplayToken;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Keeps the entitlements table current. Events of a batch are not written one by one: their changes are merged per
 * entitlement and written once, when the batch commits (before its token is stored); in a replay, only each
 * entitlement's last state before the reset position is written ({@link ReplayShortcut}). A failed write fails the batch,
 * so the token does not move and the processor retries it with backoff; nothing is ever logged and skipped.
 */
@Component
@ProcessingGroup(EntitlementTableProjector.PROCESSOR)
class EntitlementTableProjector implements DisposableBean {

    static final String PROCESSOR = "entitlement-table";
    private static final String BATCH = PROCESSOR + ".batch";
    /** Where Axon's pooled processor keeps the segment of the batch in the unit of work. */
    private static final String SEGMENT_RESOURCE = "Processor[" + PROCESSOR + "]/SegmentId";

    private final EntitlementTable table;
    private final Rebuilds rebuilds;
    private final ReplayShortcut shortcut;
    private final TokenStore tokenStore;
    private final boolean createTable;
    private final ExecutorService writers;

    EntitlementTableProjector(EntitlementTable table, Rebuilds rebuilds, ReplayShortcut shortcut,
                              TokenStore tokenStore, DynamoDbSettings settings) {
        this.tokenStore = tokenStore;
        this.createTable = settings.createTable();
        this.table = table;
        this.rebuilds = rebuilds;
        this.shortcut = shortcut;
        this.writers = Executors.newFixedThreadPool(settings.writeParallelism(), runnable -> {
            Thread thread = new Thread(runnable, "entitlement-table-writer");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * A rebuild into a table that is gone (the local dynalite keeps it in memory; in AWS it was deleted or is being
     * restored) creates it first where this instance may ({@code ledger.dynamodb.create-table}); otherwise the reset
     * fails with the same message as a missing table at startup, and the tokens stay where they were.
     */
    @ResetHandler
    void onReset() {
        table.ensureExists(createTable);
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
    void on(UsageConsumed event, @SequenceNumber long sequence) {
        stage(event.userId(), event.entitlementKey(), event, sequence);
    }

    private void stage(String userId, String key, Object event, long sequence) {
        UnitOfWork<?> unit = CurrentUnitOfWork.get().root();
        Batch batch = unit.getOrComputeResource(BATCH, name -> {
            Batch pending = new Batch(replayHead(unit));
            unit.onPrepareCommit(u -> flush(pending));
            return pending;
        });
        batch.changes.computeIfAbsent(EntitlementId.of(userId, key).toString(), id -> new ItemChange(userId, key))
                .apply(event, sequence);
    }

    /**
     * The reset position of the replay this batch belongs to, or null outside a replay. Read from the segment's token
     * as stored before the batch (the events' own tokens do not carry the replay): a batch that starts in a replay
     * takes the shortcut for all its events, including those past the reset position, so that an item whose
     * intermediate changes were skipped is always written whole.
     */
    private Long replayHead(UnitOfWork<?> unit) {
        Integer segment = unit.getResource(SEGMENT_RESOURCE);
        if (segment == null) {
            return null;
        }
        TrackingToken start = tokenStore.fetchToken(PROCESSOR, segment);
        if (!ReplayToken.isReplay(start)) {
            return null;
        }
        OptionalLong head = ReplayToken.getTokenAtReset(start);
        return head.isPresent() ? head.getAsLong() : null;
    }

    /** The merged changes of a batch, and the reset position when the batch started in a replay. */
    private static final class Batch {
        final Map<String, ItemChange> changes = new LinkedHashMap<>();
        final Long replayHead;

        Batch(Long replayHead) {
            this.replayHead = replayHead;
        }
    }

    private void flush(Batch batch) {
        long generation = rebuilds.activeGeneration(PROCESSOR);
        Map<String, ItemChange> changes = batch.replayHead == null ? batch.changes : shortcutReplay(batch);
        List<CompletableFuture<Boolean>> writes = new ArrayList<>(changes.size());
        for (ItemChange change : changes.values()) {
            writes.add(CompletableFuture.supplyAsync(() -> table.write(change, generation), writers));
        }
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException failed) {
            throw failed.getCause() instanceof RuntimeException runtime ? runtime : failed;
        }
    }

    /**
     * In a replay, skips the changes that later replayed events supersede and writes each entitlement's last replayed
     * state as its whole item ({@link ReplayShortcut}).
     */
    private Map<String, ItemChange> shortcutReplay(Batch batch) {
        Map<String, Long> lastBeforeHead = shortcut.lastSequences(batch.changes.keySet(), batch.replayHead);
        Map<String, ItemChange> writes = new LinkedHashMap<>();
        for (Map.Entry<String, ItemChange> entry : batch.changes.entrySet()) {
            ItemChange change = entry.getValue();
            Long last = lastBeforeHead.get(entry.getKey());
            if (last == null) {
                // no event at or before the reset position: new since the rebuild began, written as usual
                writes.put(entry.getKey(), change);
            } else if (change.version() < last) {
                table.supersededInReplay(change.events());
            } else {
                writes.put(entry.getKey(), shortcut.fold(entry.getKey(), change.userId(), change.entitlementKey(),
                        change.version()));
            }
        }
        return writes;
    }

    @Override
    public void destroy() {
        writers.shutdownNow();
    }
}
