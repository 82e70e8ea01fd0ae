package dev.ledger.projection;

import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Waits until a projection's processor runs on this instance with the current generation and has applied every event
 * in the store, as the processor's own status says. {@link ProjectionStatus} reads the token store, where a segment
 * that had no event of its own in a while stores its position only when it extends its claim (every 5 s, Axon's
 * default): a test that waits for it to show no lag waits up to 5 s after its last event for nothing.
 */
public final class AppliedEverything {

    private AppliedEverything() {}

    /** Waits until {@link #now} holds, at most a minute. */
    public static void await(ApplicationContext app, Projection projection) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> now(app, projection));
    }

    /**
     * Whether the processor runs here, on the generation of the row, every segment is claimed here without error, and
     * each has applied every event up to the head of the store.
     */
    public static boolean now(ApplicationContext app, Projection projection) {
        Rebuilds rebuilds = app.getBean(Rebuilds.class);
        JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
        String name = projection.processor();
        Rebuilds.Generation row = rebuilds.row(name);
        StreamingEventProcessor processor = rebuilds.processor(name);
        if (row.resetPending()
                || rebuilds.activeGeneration(name) != row.generation()
                || !processor.isRunning()
                || processor.isError()) {
            return false;
        }
        long head = jdbc.queryForObject("SELECT coalesce(max(global_index), -1) FROM domain_event_entry", Long.class);
        int segments =
                jdbc.queryForObject("SELECT count(*) FROM token_entry WHERE processor_name = ?", Integer.class, name);
        Map<Integer, EventTrackerStatus> status = processor.processingStatus();
        return segments > 0
                && status.size() == segments
                && status.values().stream()
                        .allMatch(
                                s -> !s.isErrorState() && s.getCurrentPosition().orElse(-1) >= head);
    }
}
