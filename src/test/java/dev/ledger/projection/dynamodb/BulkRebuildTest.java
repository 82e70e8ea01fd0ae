package dev.ledger.projection.dynamodb;

import static dev.ledger.projection.dynamodb.SampleHistory.withoutRebuildMarks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.projection.AppliedEverything;
import dev.ledger.projection.BulkRebuild;
import dev.ledger.projection.ControlledBulk;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionStatus;
import dev.ledger.projection.Rebuilds;
import dev.ledger.projection.WholeProjection;
import dev.ledger.projection.WholeProjectionTest;
import dev.ledger.support.LedgerInstances;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The one-pass rebuild (ADR 0014): the DynamoDB table is rewritten from the event store, each item once, while every
 * token claim is held; the processor then resumes from its own tokens. The orchestration (status while it runs,
 * claims, what a failed pass leaves) is driven through a controllable {@link BulkRebuild} of the history projection,
 * armed for this class ({@link ControlledBulk}). A rebuild covers the whole table, so it also rewrites the items of the
 * classes that ran before on the same context ({@link WholeProjectionTest}).
 */
@WholeProjectionTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BulkRebuildTest {

    private static final int ENTITLEMENTS = 20;
    private static final int USES = 10;

    @Autowired
    ConfigurableApplicationContext app;

    @Autowired
    EntitlementTable table;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ControlledBulk bulk;

    /** Units each entitlement was sent, tallied by the test itself (not read from any projection). */
    private final Map<Integer, Long> sent = new ConcurrentHashMap<>();

    @BeforeAll
    void recordTheSampleHistory() {
        bulk.arm();
        SampleHistory.record(app.getBean(Ledger.class), BulkRebuildTest::id, ENTITLEMENTS, USES);
        for (int i = 0; i < ENTITLEMENTS; i++) {
            sent.put(i, SampleHistory.usage(i, USES));
        }
    }

    @AfterAll
    void disarmTheControlledBulk() {
        bulk.disarm();
    }

    private void consume(int i, long amount, String dedupKey) {
        app.getBean(Ledger.class).consume(new ConsumeUsage(id(i), amount, Instant.now(), dedupKey, Map.of(), null));
        sent.merge(i, amount, Long::sum);
    }

    private static EntitlementId id(int i) {
        return EntitlementId.of("bulk-user-" + i, "AI_TUTOR_ACCESS");
    }

    private ProjectionStatus.Status status(Projection projection) {
        return app.getBean(ProjectionStatus.class).of(projection);
    }

    /** Waits until the processor of {@code projection} runs with {@code generation} and has applied every event. */
    private void awaitCaughtUp(Projection projection, long generation) {
        AppliedEverything.await(app, projection);
        assertThat(status(projection).generation()).isEqualTo(generation);
    }

    private void awaitCaughtUp(Projection projection) {
        awaitCaughtUp(
                projection,
                app.getBean(Rebuilds.class).row(projection.processor()).generation());
    }

    /** Starts a rebuild as an operator does, waits for its pass, then for the processor to catch up. */
    private long rebuildAndAwait(Projection projection) {
        Rebuilds rebuilds = app.getBean(Rebuilds.class);
        long generation = rebuilds.rebuild(projection, "test", Duration.ofSeconds(60));
        rebuilds.awaitBulk(projection);
        awaitCaughtUp(projection, generation);
        return generation;
    }

    private long historyRows() {
        return jdbc.queryForObject("SELECT count(*) FROM usage_history", Long.class);
    }

    @Test
    void a_rebuild_in_one_pass_writes_every_item_once_and_the_processor_resumes_from_its_tokens() {
        Rebuilds rebuilds = app.getBean(Rebuilds.class);
        awaitCaughtUp(Projection.DYNAMODB);
        Map<Integer, Map<String, AttributeValue>> before = new HashMap<>();
        for (int i = 0; i < ENTITLEMENTS; i++) {
            before.put(
                    i,
                    withoutRebuildMarks(TableItems.get(table, id(i).userId(), "AI_TUTOR_ACCESS")
                            .orElseThrow()));
        }
        long head = status(Projection.DYNAMODB).head();
        double writesBefore = table.writes();

        // as an operator starts it
        JsonNode started = LedgerInstances.adminClient(app)
                .post()
                .uri("/api/v1/admin/projections/dynamodb/rebuild")
                .retrieve()
                .toEntity(JsonNode.class)
                .getBody();
        assertThat(started.get("status").asText()).startsWith("rebuilding in one pass over the event store");
        long generation = started.get("generation").asLong();
        rebuilds.awaitBulk(Projection.DYNAMODB);
        awaitCaughtUp(Projection.DYNAMODB, generation);

        assertThat(table.writes() - writesBefore)
                .as("item writes of the rebuild: one per entitlement in the event store")
                .isEqualTo(WholeProjection.entitlements(jdbc));
        assertThat(status(Projection.DYNAMODB).position())
                .as("the tokens did not move back: every segment is at the head the rebuild covered")
                .isEqualTo(head);
        for (int i = 0; i < ENTITLEMENTS; i++) {
            Map<String, AttributeValue> item =
                    TableItems.get(table, id(i).userId(), "AI_TUTOR_ACCESS").orElseThrow();
            assertThat(item.get("generation").n()).isEqualTo(Long.toString(generation));
            assertThat(item)
                    .as("item %d after the rebuild: what the test sent", i)
                    .containsAllEntriesOf(SampleHistory.sent(i, sent.get(i)));
            assertThat(withoutRebuildMarks(item))
                    .as("item %d after the rebuild", i)
                    .isEqualTo(before.get(i));
        }

        // the processor carries on after the rebuild, with the new generation
        consume(0, 5, "after-rebuild");
        long expected = sent.get(0);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> TableItems.get(table, id(0).userId(), "AI_TUTOR_ACCESS")
                        .orElseThrow()
                        .get("usageCount")
                        .n()
                        .equals(Long.toString(expected)));
    }

    @Test
    void a_processor_that_fell_behind_resumes_from_what_the_rebuild_covered_instead_of_applying_it_again() {
        Rebuilds rebuilds = app.getBean(Rebuilds.class);
        awaitCaughtUp(Projection.DYNAMODB);
        rebuilds.processor(EntitlementTableProjector.PROCESSOR).shutdownAsync().join();
        // what the stored tokens of segments without events of their own lag behind (they store every 5 s)
        long stale = status(Projection.DYNAMODB).lagEvents();
        for (int i = 0; i < ENTITLEMENTS; i++) {
            if (i != 2) {
                // entitlement 2 is inactive
                consume(i, 2, "while-stopped-" + i);
            }
        }
        assertThat(status(Projection.DYNAMODB).lagEvents())
                .as("behind by the usage just recorded")
                .isEqualTo(stale + ENTITLEMENTS - 1);
        double writesBefore = table.writes();
        double skipsBefore = table.conditionSkips();

        long generation = rebuildAndAwait(Projection.DYNAMODB);

        assertThat(table.writes() - writesBefore)
                .as("one write per item, none by the processor")
                .isEqualTo(WholeProjection.entitlements(jdbc));
        assertThat(table.conditionSkips() - skipsBefore)
                .as("nothing applied twice")
                .isZero();
        for (int i = 0; i < ENTITLEMENTS; i++) {
            assertThat(TableItems.get(table, id(i).userId(), "AI_TUTOR_ACCESS")
                            .orElseThrow()
                            .get("usageCount")
                            .n())
                    .as("item %d: what the test sent", i)
                    .isEqualTo(Long.toString(sent.get(i)));
        }
    }

    @Test
    void while_a_one_pass_rebuild_runs_the_status_shows_its_progress_and_this_instance_holds_every_claim() {
        Rebuilds rebuilds = app.getBean(Rebuilds.class);
        awaitCaughtUp(Projection.HISTORY);
        long rows = historyRows();
        bulk.failWith = null;
        bulk.release = new CountDownLatch(1);
        int runs = bulk.runs.get();

        long generation = rebuilds.rebuild(Projection.HISTORY, "test", Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(10)).until(() -> bulk.runs.get() == runs + 1);
        ProjectionStatus.Status running = status(Projection.HISTORY);
        assertThat(running.state()).isEqualTo("REBUILDING");
        assertThat(running.replaying()).isTrue();
        assertThat(running.replayProgressPercent())
                .as(running.toString())
                .isGreaterThan(0.0)
                .isLessThan(100.0);
        assertThat(running.generation()).isEqualTo(generation);
        assertThat(rebuilds.processor(Projection.HISTORY.processor()).isRunning())
                .isFalse();
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM token_entry WHERE processor_name = ? AND owner IS NULL",
                        Long.class,
                        Projection.HISTORY.processor()))
                .as("unclaimed segments during the rebuild")
                .isZero();

        bulk.release.countDown();
        rebuilds.awaitBulk(Projection.HISTORY);
        awaitCaughtUp(Projection.HISTORY, generation);
        assertThat(historyRows())
                .as("resumed from its tokens: nothing replayed, nothing lost")
                .isEqualTo(rows);
    }

    @Test
    void a_one_pass_rebuild_that_fails_keeps_the_processor_stopped_and_releases_its_claims_until_the_next_rebuild() {
        Rebuilds rebuilds = app.getBean(Rebuilds.class);
        String processor = Projection.HISTORY.processor();
        awaitCaughtUp(Projection.HISTORY);
        long rows = historyRows();
        bulk.release = new CountDownLatch(0);
        bulk.failWith = new IllegalStateException("injected: the one pass failed");

        long failed = rebuilds.rebuild(Projection.HISTORY, "test", Duration.ofSeconds(60));
        assertThatThrownBy(() -> rebuilds.awaitBulk(Projection.HISTORY))
                .hasRootCauseMessage("injected: the one pass failed");
        // the usage of the meantime is not applied by a processor that half a pass would have left inconsistent
        consume(4, 3, "after-failed-pass");
        // every instance looks for rebuilds every second (Rebuilds.follow): looking here finds nothing to start
        rebuilds.follow();
        rebuilds.follow();
        assertThat(rebuilds.processor(processor).isRunning()).isFalse();
        ProjectionStatus.Status stopped = status(Projection.HISTORY);
        assertThat(stopped.state()).isEqualTo("REBUILDING");
        assertThat(stopped.generation()).isEqualTo(failed);
        assertThat(historyRows()).as("nothing applied after the failed pass").isEqualTo(rows);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM token_entry WHERE processor_name = ? AND owner IS NOT NULL",
                        Long.class,
                        processor))
                .as("claims held after the failed pass")
                .isZero();

        bulk.failWith = null;
        long generation = rebuildAndAwait(Projection.HISTORY);
        assertThat(generation).isEqualTo(failed + 1);
        assertThat(historyRows())
                .as("the next rebuild resumes the processor, which applies the usage")
                .isEqualTo(rows + 1);
    }
}
