package dev.ledger.projection.dynamodb;

import static dev.ledger.projection.dynamodb.SampleHistory.withoutRebuildMarks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.command.Ledger;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionStatus;
import dev.ledger.projection.Rebuilds;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A rebuild by replay (the fallback of the one-pass rebuild, and the only way with
 * {@code ledger.dynamodb.bulk-rebuild=false}) writes each item once, as the entitlement's last event before the reset
 * makes it, however many batches its events are spread over. Batches of 10 events on one segment, and the
 * {@link SampleHistory} interleaves entitlements, so that every batch holds at most one event of each entitlement and
 * every change but the last is superseded.
 */
class ReplayShortcutTest {

    private static final int ENTITLEMENTS = 20;
    private static final int USES = 10;
    private static ConfigurableApplicationContext app;
    private static EntitlementTable table;

    @BeforeAll
    static void start() {
        app = LedgerInstances.start(TestDatabase.newDatabase(), "ledger.environment=replay",
                "ledger.dynamodb.bulk-rebuild=false",
                "axon.eventhandling.processors.entitlement-table.batch-size=10",
                "axon.eventhandling.processors.entitlement-table.initial-segment-count=1",
                "axon.eventhandling.processors.entitlement-table.thread-count=1");
        table = app.getBean(EntitlementTable.class);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static EntitlementId id(int i) {
        return EntitlementId.of("replay-user-" + i, "AI_TUTOR_ACCESS");
    }

    private static void awaitCaughtUp(long generation) {
        ProjectionStatus status = app.getBean(ProjectionStatus.class);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            ProjectionStatus.Status s = status.of(Projection.DYNAMODB);
            return s.generation() == generation && !s.replaying() && s.lagEvents() == 0
                    && "RUNNING".equals(s.state());
        });
    }

    @Test
    void a_rebuild_by_replay_writes_every_item_once_and_ends_with_the_same_items() {
        long events = SampleHistory.record(app.getBean(Ledger.class), ReplayShortcutTest::id, ENTITLEMENTS, USES);
        Rebuilds rebuilds = app.getBean(Rebuilds.class);
        awaitCaughtUp(rebuilds.row(EntitlementTableProjector.PROCESSOR).generation());
        Map<Integer, Map<String, AttributeValue>> before = new HashMap<>();
        for (int i = 0; i < ENTITLEMENTS; i++) {
            before.put(i, withoutRebuildMarks(TableItems.get(table, id(i).userId(), "AI_TUTOR_ACCESS").orElseThrow()));
        }
        double writesBefore = table.writes();
        double supersededBefore = table.superseded();

        JsonNode started = LedgerInstances.adminClient(app).post().uri("/api/v1/admin/projections/dynamodb/rebuild")
                .retrieve().toEntity(JsonNode.class).getBody();
        assertThat(started.get("status").asText()).startsWith("replaying");
        long generation = started.get("generation").asLong();
        awaitCaughtUp(generation);

        assertThat(table.writes() - writesBefore).as("item writes of the rebuild").isEqualTo(ENTITLEMENTS);
        assertThat(table.superseded() - supersededBefore).as("replayed events not written")
                .isEqualTo(events - ENTITLEMENTS);
        for (int i = 0; i < ENTITLEMENTS; i++) {
            Map<String, AttributeValue> item = TableItems.get(table, id(i).userId(), "AI_TUTOR_ACCESS").orElseThrow();
            assertThat(item.get("generation").n()).isEqualTo(Long.toString(generation));
            assertThat(item).as("item %d after the rebuild: what the test sent", i)
                    .containsAllEntriesOf(SampleHistory.sent(i, SampleHistory.usage(i, USES)));
            assertThat(withoutRebuildMarks(item)).as("item %d after the rebuild", i).isEqualTo(before.get(i));
        }
    }
}
