package dev.ledger.projection.history;

import dev.ledger.projection.BulkRebuild;
import dev.ledger.projection.EventLog;
import dev.ledger.projection.Projection;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rebuilds the usage history in one pass over the event store (ADR 0026, as ADR 0014 does for the table): the table is
 * emptied, then the {@link EventLog} hands over every event in the store's order, each with its global index, and the
 * processor's own row builder ({@link UsageHistoryProjector#rowOf}) makes its row; rows are inserted in batches of
 * {@value #BATCH}, each batch in a transaction of its own (the read holds one snapshot of the store meanwhile). A
 * replay through the processor went through Axon's per-event machinery and looked up every batch's positions again;
 * this reads each event once. Events committed after the snapshot are applied by the processor when it resumes from
 * what the pass covered. Like a replay, it empties the history first, so until it ends the history is incomplete.
 */
@Component
class HistoryRebuild implements BulkRebuild {

    private static final Logger log = LoggerFactory.getLogger(HistoryRebuild.class);
    static final int BATCH = 1_000;
    private static final long PROGRESS_EVERY = 20_000;

    private final UsageHistoryProjector rows;
    private final EventLog events;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate writes;

    HistoryRebuild(
            UsageHistoryProjector rows, EventLog events, JdbcTemplate jdbc, PlatformTransactionManager transactions) {
        this.rows = rows;
        this.events = events;
        this.jdbc = jdbc;
        this.writes = new TransactionTemplate(transactions);
        // each batch commits on its own connection, outside the read's read-only snapshot
        this.writes.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    @Override
    public Projection projection() {
        return Projection.HISTORY;
    }

    @Override
    public void prepare() {
        // nothing to create: the table is Flyway's
    }

    @Override
    public TrackingToken rebuild(long generation, LongConsumer progress) {
        writes.executeWithoutResult(status -> jdbc.update("DELETE FROM usage_history"));
        List<UsageHistoryProjector.Row> pending = new ArrayList<>(BATCH);
        List<Long> positions = new ArrayList<>(BATCH);
        long[] counted = {0, 0};
        TrackingToken covered = events.readInOrder(stored -> {
                    DomainEventMessage<?> event = stored.message();
                    UsageHistoryProjector.Row row = rows.rowOf(event, event.getSequenceNumber());
                    if (row != null) {
                        pending.add(row);
                        positions.add(stored.position());
                        counted[1]++;
                    }
                    if (pending.size() == BATCH) {
                        flush(pending, positions);
                    }
                    if (++counted[0] % PROGRESS_EVERY == 1) {
                        progress.accept(counted[0]);
                    }
                })
                .orElse(null);
        flush(pending, positions);
        progress.accept(counted[0]);
        log.info(
                "Bulk rebuild of the usage history (generation {}): {} events read, {} rows written, up to {}",
                generation,
                counted[0],
                counted[1],
                covered);
        return covered;
    }

    private void flush(List<UsageHistoryProjector.Row> pending, List<Long> positions) {
        if (pending.isEmpty()) {
            return;
        }
        writes.executeWithoutResult(status -> rows.insert(pending, positions));
        pending.clear();
        positions.clear();
    }
}
