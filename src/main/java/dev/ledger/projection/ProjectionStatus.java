package dev.ledger.projection;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.axonframework.eventhandling.ReplayToken;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.axonframework.serialization.SimpleSerializedType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The cluster-wide progress of each projection, read from the token store (every instance's claimed segments), not only
 * from this instance's processor.
 */
@Component
public class ProjectionStatus {

    private final JdbcTemplate jdbc;
    private final Serializer serializer;
    private final Rebuilds rebuilds;

    ProjectionStatus(JdbcTemplate jdbc, Serializer serializer, Rebuilds rebuilds) {
        this.jdbc = jdbc;
        this.serializer = serializer;
        this.rebuilds = rebuilds;
    }

    /** Status of one projection. {@code position} is the lowest position of its segments; -1 before any event. */
    public record Status(
            String projection,
            String processor,
            String state,
            long position,
            long head,
            long lagEvents,
            double lagSeconds,
            boolean replaying,
            Double replayProgressPercent,
            long generation,
            int segments,
            int claimedSegments) {}

    public List<Status> all() {
        List<Status> statuses = new ArrayList<>();
        for (Projection projection : Projection.values()) {
            statuses.add(of(projection));
        }
        return statuses;
    }

    public Status of(Projection projection) {
        String processor = projection.processor();
        long head = jdbc.queryForObject("SELECT coalesce(max(global_index), -1) FROM domain_event_entry", Long.class);
        List<Segment> segments = jdbc.query(
                "SELECT token, token_type, owner FROM token_entry WHERE processor_name = ?",
                (rs, n) -> new Segment(token(rs.getBytes(1), rs.getString(2)), rs.getString(3)),
                processor);
        long position = segments.isEmpty()
                ? -1
                : segments.stream().mapToLong(s -> position(s.token())).min().orElse(-1);
        // a new processor's first token is a ReplayToken too; it is replaying only while behind the position at reset
        boolean replaying = segments.stream()
                .anyMatch(s -> s.token() instanceof ReplayToken replay
                        && position(replay.getCurrentToken()) < position(replay.getTokenAtReset()));
        Double progress = null;
        if (replaying) {
            long current = 0;
            long target = 0;
            for (Segment segment : segments) {
                if (segment.token() instanceof ReplayToken replay
                        && position(replay.getCurrentToken()) < position(replay.getTokenAtReset())) {
                    current += Math.max(0, position(replay.getCurrentToken()));
                    target += Math.max(0, position(replay.getTokenAtReset()));
                } else {
                    current += position(segment.token());
                    target += position(segment.token());
                }
            }
            progress = target == 0 ? 100.0 : Math.min(100.0, Math.floor(1000.0 * current / target) / 10);
        }
        long lagEvents = Math.max(0, head - position);
        double lagSeconds = 0;
        if (lagEvents > 0) {
            String oldest = jdbc.query(
                    "SELECT time_stamp FROM domain_event_entry WHERE global_index > ? "
                            + "ORDER BY global_index LIMIT 1",
                    rs -> rs.next() ? rs.getString(1) : null,
                    position);
            if (oldest != null) {
                lagSeconds = Math.max(
                        0,
                        Duration.between(Instant.parse(oldest), Instant.now()).toMillis() / 1000.0);
            }
        }
        StreamingEventProcessor local = rebuilds.processor(processor);
        Rebuilds.Generation generation = rebuilds.row(processor);
        if (generation.bulkRunning()) {
            // rewritten in one pass over the event store (ADR 0014); the tokens do not move until it is done
            replaying = true;
            long target = generation.rebuildTarget();
            long rebuilt = generation.rebuiltEvents() == null ? 0 : generation.rebuiltEvents();
            progress = target == 0 ? 100.0 : Math.min(100.0, Math.floor(1000.0 * rebuilt / target) / 10);
        }
        String state = generation.bulkRunning()
                ? "REBUILDING"
                : generation.resetPending()
                        ? "RESETTING"
                        : local.isError()
                                ? "ERROR"
                                : replaying ? "REPLAYING" : local.isRunning() ? "RUNNING" : "STOPPED";
        int claimed = (int) segments.stream().filter(s -> s.owner() != null).count();
        return new Status(
                projection.publicName(),
                processor,
                state,
                position,
                head,
                lagEvents,
                lagSeconds,
                replaying,
                progress,
                generation.generation(),
                segments.size(),
                claimed);
    }

    private record Segment(TrackingToken token, String owner) {}

    private TrackingToken token(byte[] data, String type) {
        if (data == null || type == null) {
            return null;
        }
        return serializer.deserialize(
                new SimpleSerializedObject<>(data, byte[].class, new SimpleSerializedType(type, null)));
    }

    private static long position(TrackingToken token) {
        return token == null ? -1 : token.position().orElse(-1);
    }
}
