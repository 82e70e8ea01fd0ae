package dev.ledger.projection;

import dev.ledger.threads.Threads;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.ReplayToken;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rebuilds a projection in place, across every instance that runs its processor, with no Axon Server to coordinate:
 * <ol>
 *   <li>the requester bumps {@code generation} in {@code projection_generation};</li>
 *   <li>every instance polls that row and shuts its processor down when the generation it runs with is stale,
 *       releasing its token claims;</li>
 *   <li>a projection with a {@link BulkRebuild} (the DynamoDB table, ADR 0014; the usage history, ADR 0026): the
 *       requester claims every segment of the processor, so that no instance can process while the projection is
 *       rewritten in one pass over the event store, keeps the claims alive, moves tokens that are behind to what the
 *       pass covered, then releases the claims. A projection without one: the requester resets the tokens, and the
 *       processor empties it and replays every event into it;</li>
 *   <li>the requester records {@code reset_generation}; every instance sees it and starts the processor again,
 *       writing with the new generation.</li>
 * </ol>
 * A pass that fails releases the claims but records nothing: every processor stays stopped on the new generation, the
 * status stays {@code REBUILDING}, and the next rebuild starts over.
 */
@Component
public class Rebuilds implements SchedulingConfigurer, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(Rebuilds.class);
    private static final Duration CLAIM_EXTENSION = Duration.ofSeconds(2);
    private static final String CLAIMED_ELSEWHERE = ": another instance still holds a claim (it releases it within a "
            + "second of seeing the new generation, or when its claim times out)";

    private final JdbcTemplate jdbc;
    private final EventProcessingConfiguration processing;
    private final TokenStore tokenStore;
    private final TransactionManager transactions;
    private final ObjectProvider<BulkRebuild> bulkRebuilds;
    private final ProjectionRetry retry;
    private final ProjectionSettings settings;
    /** Progress of a bulk rebuild is written in its own transaction, whatever the rebuild's thread is inside of. */
    private final TransactionTemplate progress;

    private final Map<String, Long> activeGenerations = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> bulkRuns = new ConcurrentHashMap<>();
    /** One bulk rebuild at a time on this instance; a second request waits for the first. */
    private final ThreadPoolTaskExecutor bulkRunner;

    private final ThreadPoolTaskScheduler claimKeeper;

    Rebuilds(
            JdbcTemplate jdbc,
            EventProcessingConfiguration processing,
            TokenStore tokenStore,
            TransactionManager transactions,
            ObjectProvider<BulkRebuild> bulkRebuilds,
            PlatformTransactionManager platformTransactions,
            ProjectionRetry retry,
            ProjectionSettings settings,
            MeterRegistry meters) {
        this.jdbc = jdbc;
        this.processing = processing;
        this.tokenStore = tokenStore;
        this.transactions = transactions;
        this.bulkRebuilds = bulkRebuilds;
        this.retry = retry;
        this.settings = settings;
        this.bulkRunner = Threads.pool("projection-rebuild", 1, meters);
        this.claimKeeper = Threads.scheduler("projection-rebuild-claims", meters);
        this.progress = new TransactionTemplate(platformTransactions);
        this.progress.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        for (Projection projection : Projection.values()) {
            activeGenerations.put(
                    projection.processor(), row(projection.processor()).resetGeneration());
        }
    }

    /**
     * The generation row of a processor; {@code rebuiltEvents} / {@code rebuildTarget}: progress of the latest bulk
     * rebuild (null if there was none).
     */
    public record Generation(
            long generation,
            long resetGeneration,
            String requestedBy,
            Instant requestedAt,
            Long rebuiltEvents,
            Long rebuildTarget) {
        public boolean resetPending() {
            return resetGeneration != generation;
        }

        /** A bulk rebuild of the current generation is running (somewhere in the cluster). */
        public boolean bulkRunning() {
            return resetPending() && rebuildTarget != null;
        }
    }

    /** The generation this instance writes with for {@code processor}. */
    public long activeGeneration(String processor) {
        return activeGenerations.get(processor);
    }

    public Generation row(String processor) {
        return jdbc.queryForObject(
                "SELECT generation, reset_generation, requested_by, requested_at, rebuilt_events, "
                        + "rebuild_target FROM projection_generation WHERE processor = ?",
                (rs, n) -> new Generation(
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getString(3),
                        rs.getTimestamp(4).toInstant(),
                        rs.getObject(5, Long.class),
                        rs.getObject(6, Long.class)),
                processor);
    }

    /**
     * Starts a rebuild of {@code projection}. For a projection with a {@link BulkRebuild} (both of them today), returns
     * once this instance holds every token claim; the one-pass rebuild then runs in the background here
     * ({@link #awaitBulk} waits for it). For one without, returns once the tokens are reset; the replay then runs in
     * the background on every instance.
     *
     * @return the new generation
     */
    public long rebuild(Projection projection, String requestedBy, Duration timeout) {
        String processor = projection.processor();
        Optional<BulkRebuild> bulk = bulk(projection);
        bulk.ifPresent(BulkRebuild::prepare);
        Long generation = jdbc.queryForObject(
                "UPDATE projection_generation SET generation = generation + 1, "
                        + "requested_by = ?, requested_at = now(), reset_at = NULL, rebuilt_events = NULL, "
                        + "rebuild_target = NULL WHERE processor = ? RETURNING generation",
                Long.class,
                requestedBy,
                processor);
        log.info(
                "Rebuild of {} requested by {}: generation {}{}",
                projection.publicName(),
                requestedBy,
                generation,
                bulk.isPresent() ? " (one pass over the event store)" : " (replay)");
        StreamingEventProcessor streaming = processor(processor);
        streaming.shutdownAsync().join();
        if (bulk.isEmpty()) {
            resetTokens(processor, timeout);
            markReset(processor, generation);
            follow();
            return generation;
        }
        // fails fast, in the request, when another instance does not let go of its claims
        claimAll(processor, timeout);
        jdbc.update(
                "UPDATE projection_generation SET rebuilt_events = 0, rebuild_target = (SELECT "
                        + "coalesce(max(global_index) - min(global_index) + 1, 0) FROM domain_event_entry) "
                        + "WHERE processor = ? AND generation = ?",
                processor,
                generation);
        CompletableFuture<Void> run = CompletableFuture.runAsync(
                        () -> runBulk(bulk.get(), processor, generation, timeout), bulkRunner)
                .whenComplete((done, failed) -> {
                    if (failed != null) {
                        log.error(
                                "Rebuild of {} (generation {}) did not complete; its processor stays stopped on "
                                        + "every instance: start the rebuild again",
                                processor,
                                generation,
                                failed);
                    }
                });
        bulkRuns.put(processor, run);
        return generation;
    }

    /** Whether a rebuild of {@code projection} is one pass over the event store ({@link BulkRebuild}), not a replay. */
    public boolean inOnePass(Projection projection) {
        return bulk(projection).isPresent();
    }

    private Optional<BulkRebuild> bulk(Projection projection) {
        return bulkRebuilds
                .orderedStream()
                .filter(b -> b.projection() == projection)
                .findFirst();
    }

    /** Waits for this instance's bulk rebuild of {@code projection}, if one was started here. */
    public void awaitBulk(Projection projection) {
        CompletableFuture<Void> run = bulkRuns.get(projection.processor());
        if (run != null) {
            run.join();
        }
    }

    private void runBulk(BulkRebuild bulk, String processor, long generation, Duration timeout) {
        // claimed again: the request's claims may have aged past the claim timeout while this run waited for the
        // runner; this instance already owns them, so this only renews them
        int[] segments = claimAll(processor, timeout);
        ScheduledFuture<?> keepClaims = claimKeeper.scheduleAtFixedRate(
                () -> extendClaims(processor, segments), Instant.now().plus(CLAIM_EXTENSION), CLAIM_EXTENSION);
        long start = System.nanoTime();
        try {
            TrackingToken covered = bulk.rebuild(
                    generation,
                    events -> progress.executeWithoutResult(t -> jdbc.update(
                            "UPDATE projection_generation SET rebuilt_events = ? WHERE processor = ? AND generation = ?",
                            events,
                            processor,
                            generation)));
            advanceTokens(processor, segments, covered);
        } finally {
            keepClaims.cancel(false);
            releaseClaims(processor, segments);
        }
        log.info(
                "Bulk rebuild of {} (generation {}) done in {} s",
                processor,
                generation,
                Math.round((System.nanoTime() - start) / 1e8) / 10.0);
        markReset(processor, generation);
        follow();
    }

    /**
     * A segment whose token is behind what the rebuild covered resumes from there: the events up to it are in the
     * rewritten projection, and its gaps are those that may still fill.
     */
    private void advanceTokens(String processor, int[] segments, TrackingToken covered) {
        if (covered == null) {
            return;
        }
        long target = covered.position().orElse(-1);
        transactions.executeInTransaction(() -> {
            for (int segment : segments) {
                TrackingToken current = tokenStore.fetchToken(processor, segment);
                if (current == null
                        || ReplayToken.isReplay(current)
                        || current.position().orElse(-1) < target) {
                    tokenStore.storeToken(covered, processor, segment);
                }
            }
        });
    }

    private void resetTokens(String processor, Duration timeout) {
        StreamingEventProcessor streaming = processor(processor);
        try {
            retry.retrying("resetting the tokens of " + processor, timeout, UnableToClaimTokenException.class)
                    .execute(attempt -> {
                        streaming.resetTokens();
                        return null;
                    });
        } catch (UnableToClaimTokenException claimedElsewhere) {
            throw new IllegalStateException(
                    "could not reset the tokens of " + processor + " within " + timeout + CLAIMED_ELSEWHERE,
                    claimedElsewhere);
        }
    }

    /** Claims every segment of {@code processor} for this instance, waiting for other instances to let go. */
    private int[] claimAll(String processor, Duration timeout) {
        try {
            return retry.retrying("claiming the segments of " + processor, timeout, UnableToClaimTokenException.class)
                    .execute(attempt -> transactions.fetchInTransaction(() -> {
                        int[] segments = tokenStore.fetchSegments(processor);
                        for (int segment : segments) {
                            tokenStore.fetchToken(processor, segment);
                        }
                        return segments;
                    }));
        } catch (UnableToClaimTokenException claimedElsewhere) {
            throw new IllegalStateException(
                    "could not claim the segments of " + processor + " within " + timeout + CLAIMED_ELSEWHERE,
                    claimedElsewhere);
        }
    }

    private void extendClaims(String processor, int[] segments) {
        try {
            transactions.executeInTransaction(() -> {
                for (int segment : segments) {
                    tokenStore.extendClaim(processor, segment);
                }
            });
        } catch (RuntimeException e) {
            log.warn("Could not extend the claims of {} during its bulk rebuild: {}", processor, e.toString());
        }
    }

    private void releaseClaims(String processor, int[] segments) {
        transactions.executeInTransaction(() -> {
            for (int segment : segments) {
                tokenStore.releaseClaim(processor, segment);
            }
        });
    }

    private void markReset(String processor, long generation) {
        jdbc.update(
                "UPDATE projection_generation SET reset_generation = ?, reset_at = ? WHERE processor = ? "
                        + "AND generation = ?",
                generation,
                Instant.now().atOffset(ZoneOffset.UTC),
                processor,
                generation);
    }

    /** {@link #follow} every {@code ledger.projections.coordination-interval}, on Spring's scheduler. */
    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        registrar.addFixedDelayTask(this::follow, settings.coordinationInterval());
    }

    /** Brings this instance's processors in line with the generation rows; runs every second on every instance. */
    public synchronized void follow() {
        for (Projection projection : Projection.values()) {
            String processor = projection.processor();
            Generation row = row(processor);
            StreamingEventProcessor streaming = processor(processor);
            long active = activeGenerations.get(processor);
            if (row.generation() != active && streaming.isRunning()) {
                log.info(
                        "Stopping {} on this instance: generation {} requested, running {}",
                        processor,
                        row.generation(),
                        active);
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
        return processing
                .eventProcessor(name, StreamingEventProcessor.class)
                .orElseThrow(() -> new IllegalStateException("no streaming processor named " + name));
    }

    @Override
    public void destroy() {
        bulkRunner.destroy();
        claimKeeper.destroy();
    }
}
