package dev.ledger.projection;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Rebuilds a projection in place, across every instance that runs its processor, with no Axon Server to coordinate:
 * <ol>
 *   <li>the requester bumps {@code generation} in {@code projection_generation};</li>
 *   <li>every instance polls that row and shuts its processor down when the generation it runs with is stale,
 *       releasing its token claims;</li>
 *   <li>the requester resets the tokens (retrying until no claim is held), then records {@code reset_generation};</li>
 *   <li>every instance sees {@code reset_generation = generation} and starts the processor again, writing with the
 *       new generation. Items of the old generation are overwritten as the replay reaches them; until then readers
 *       keep the old item.</li>
 * </ol>
 */
@Component
public class Rebuilds {

    private static final Logger log = LoggerFactory.getLogger(Rebuilds.class);

    private final JdbcTemplate jdbc;
    private final EventProcessingConfiguration processing;
    private final Map<String, Long> activeGenerations = new ConcurrentHashMap<>();

    Rebuilds(JdbcTemplate jdbc, EventProcessingConfiguration processing) {
        this.jdbc = jdbc;
        this.processing = processing;
        for (Projection projection : Projection.values()) {
            activeGenerations.put(projection.processor(), row(projection.processor()).resetGeneration());
        }
    }

    /** The generation row of a processor. */
    public record Generation(long generation, long resetGeneration, String requestedBy, Instant requestedAt) {
        public boolean resetPending() {
            return resetGeneration != generation;
        }
    }

    /** The generation this instance writes with for {@code processor}. */
    public long activeGeneration(String processor) {
        return activeGenerations.get(processor);
    }

    public Generation row(String processor) {
        return jdbc.queryForObject("SELECT generation, reset_generation, requested_by, requested_at "
                        + "FROM projection_generation WHERE processor = ?",
                (rs, n) -> new Generation(rs.getLong(1), rs.getLong(2), rs.getString(3),
                        rs.getTimestamp(4).toInstant()), processor);
    }

    /**
     * Starts a rebuild of {@code projection} and returns once its tokens are reset; the replay then runs in the
     * background on every instance. @return the new generation
     */
    public long rebuild(Projection projection, String requestedBy, Duration timeout) {
        String processor = projection.processor();
        Long generation = jdbc.queryForObject("UPDATE projection_generation SET generation = generation + 1, "
                        + "requested_by = ?, requested_at = now(), reset_at = NULL WHERE processor = ? RETURNING generation",
                Long.class, requestedBy, processor);
        log.info("Rebuild of {} requested by {}: generation {}", projection.publicName(), requestedBy, generation);
        StreamingEventProcessor streaming = processor(processor);
        streaming.shutdownAsync().join();
        Instant giveUp = Instant.now().plus(timeout);
        while (true) {
            try {
                streaming.resetTokens();
                break;
            } catch (UnableToClaimTokenException claimedElsewhere) {
                if (Instant.now().isAfter(giveUp)) {
                    throw new IllegalStateException("could not reset the tokens of " + processor + " within " + timeout
                            + ": another instance still holds a claim (it releases it within a second of seeing the "
                            + "new generation, or when its claim times out)", claimedElsewhere);
                }
                sleep(Duration.ofMillis(500));
            }
        }
        jdbc.update("UPDATE projection_generation SET reset_generation = ?, reset_at = ? WHERE processor = ? "
                + "AND generation = ?", generation, Instant.now().atOffset(ZoneOffset.UTC), processor, generation);
        follow();
        return generation;
    }

    /** Brings this instance's processors in line with the generation rows; runs every second on every instance. */
    @Scheduled(fixedDelayString = "${ledger.projections.coordination-interval:1s}")
    public synchronized void follow() {
        for (Projection projection : Projection.values()) {
            String processor = projection.processor();
            Generation row = row(processor);
            StreamingEventProcessor streaming = processor(processor);
            long active = activeGenerations.get(processor);
            if (row.generation() != active && streaming.isRunning()) {
                log.info("Stopping {} on this instance: generation {} requested, running {}", processor,
                        row.generation(), active);
                streaming.shutdownAsync().join();
            }
            if (!row.resetPending() && row.generation() != active && !streaming.isRunning()) {
                activeGenerations.put(processor, row.generation());
                log.info("Starting {} on this instance with generation {}", processor, row.generation());
                streaming.start();
            }
        }
    }

    public StreamingEventProcessor processor(String name) {
        return processing.eventProcessor(name, StreamingEventProcessor.class)
                .orElseThrow(() -> new IllegalStateException("no streaming processor named " + name));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for token claims", e);
        }
    }
}
