package dev.ledger.projection.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.cli.LedgerCommandLine;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.projection.AppliedEverything;
import dev.ledger.projection.Projection;
import dev.ledger.projection.Rebuilds;
import dev.ledger.projection.WholeProjection;
import dev.ledger.projection.WholeProjectionTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Damage, drift and rebuild of the whole table: drift finds exactly the damage, the rebuild repairs it while usage keeps
 * flowing and readers keep their items, and the command-line jobs (run in the application, as {@code java -jar
 * ledger.jar projections ...} runs them in its own) do the same with their documented output and exit codes. The table
 * also holds the entitlements of the classes that ran before on the same context, without drift
 * ({@link WholeProjectionTest}); they are checked and rebuilt too.
 */
@WholeProjectionTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RebuildAndDriftTest {

    private static final int ENTITLEMENTS = 30;

    @Autowired
    ConfigurableApplicationContext app;

    @Autowired
    Ledger ledger;

    @Autowired
    EntitlementTable table;

    /** Entitlements of the classes before this one on the context, and this class's: what a drift check covers. */
    private long entitlements;

    @BeforeAll
    void recordAHistoryPerEntitlement() {
        entitlements = WholeProjection.entitlements(app.getBean(JdbcTemplate.class)) + ENTITLEMENTS;
        for (int i = 0; i < ENTITLEMENTS; i++) {
            EntitlementId id = id(i);
            ledger.send(
                    id,
                    new GrantEntitlement(
                            id,
                            true,
                            new UsagePolicy(1_000_000, Period.MONTHLY, null, OverLimit.REJECT),
                            Instant.now()),
                    Map.of());
            for (int u = 0; u <= i % 4; u++) {
                ledger.consume(new ConsumeUsage(id, 1 + u, Instant.now(), "seed-" + i + "-" + u, Map.of(), null));
            }
        }
        awaitCaughtUp();
    }

    /** Damage done behind the ledger's back, with the test's own calls (the ledger never deletes or blindly puts). */
    private void putUnconditionally(Map<String, AttributeValue> item) {
        app.getBean(DynamoDbClient.class).putItem(r -> r.tableName(tableName()).item(item));
    }

    private void deleteItem(String userId, String entitlementKey) {
        app.getBean(DynamoDbClient.class)
                .deleteItem(r -> r.tableName(tableName())
                        .key(Map.of(
                                "userId",
                                AttributeValue.fromS(userId),
                                "entitlementKey",
                                AttributeValue.fromS(entitlementKey))));
    }

    private String tableName() {
        return app.getBean(DynamoDbSettings.class).table();
    }

    private static EntitlementId id(int i) {
        return EntitlementId.of("rb-user-" + i, "AI_TUTOR_ACCESS");
    }

    private void awaitCaughtUp() {
        AppliedEverything.await(app, Projection.DYNAMODB);
    }

    private DriftCheck.Report drift() {
        return app.getBean(DriftCheck.class).run(1000);
    }

    /** A command-line job, run in this application with the parsing, output and exit code of the jar's. */
    private int cli(StringWriter output, String... args) {
        return LedgerCommandLine.runIn(app, args, new PrintWriter(output, true), new PrintWriter(output, true));
    }

    private void damage() {
        Map<String, AttributeValue> corrupted = new HashMap<>(
                TableItems.get(table, id(1).userId(), "AI_TUTOR_ACCESS").orElseThrow());
        corrupted.put("usageCount", AttributeValue.fromN("999"));
        corrupted.put("active", AttributeValue.fromBool(false));
        corrupted.put("version", AttributeValue.fromN("77"));
        putUnconditionally(corrupted);
        deleteItem(id(2).userId(), "AI_TUTOR_ACCESS");
        putUnconditionally(Map.of(
                "userId",
                AttributeValue.fromS("ghost"),
                "entitlementKey",
                AttributeValue.fromS("AI_TUTOR_ACCESS"),
                "active",
                AttributeValue.fromBool(true),
                "version",
                AttributeValue.fromN("0"),
                "generation",
                AttributeValue.fromN("1")));
    }

    @Test
    @Order(1)
    void an_undamaged_table_has_no_drift_and_the_command_line_exits_0() {
        assertThat(drift().drift()).isEmpty();
        assertThat(drift().checked()).isEqualTo(entitlements);
        StringWriter output = new StringWriter();
        assertThat(cli(output, "projections", "drift", "dynamodb")).isZero();
        assertThat(output.toString()).contains("checked " + entitlements + " entitlements: no drift");
    }

    @Test
    @Order(2)
    void drift_finds_exactly_the_damage_done_to_the_table() {
        damage();
        DriftCheck.Report report = drift();
        assertThat(report.drift()).hasSize(3);
        Map<String, DriftCheck.Drift> byUser = new HashMap<>();
        report.drift().forEach(d -> byUser.put(d.userId(), d));
        DriftCheck.Drift corrupted = byUser.get("rb-user-1");
        assertThat(corrupted.kind()).isEqualTo("DIFFERENT");
        assertThat(corrupted.fields()).containsOnlyKeys("usageCount", "active", "version");
        assertThat(corrupted.fields().get("usageCount")).isEqualTo(new DriftCheck.FieldDiff("3", "999"));
        assertThat(corrupted.fields().get("active")).isEqualTo(new DriftCheck.FieldDiff("true", "false"));
        assertThat(byUser.get("rb-user-2").kind()).isEqualTo("MISSING");
        assertThat(byUser.get("ghost").kind()).isEqualTo("EXTRA");

        StringWriter output = new StringWriter();
        assertThat(cli(output, "projections", "drift", "dynamodb"))
                .as("the documented exit code for drift")
                .isEqualTo(3);
        assertThat(output.toString())
                .contains("MISSING rb-user-2/AI_TUTOR_ACCESS")
                .contains("3 differences");
    }

    @Test
    @Order(3)
    void a_rebuild_repairs_the_damage_while_usage_keeps_flowing_and_readers_keep_their_items() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger sentDuringRebuild = new AtomicInteger();
        AtomicReference<String> readerSawNothing = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            int n = 0;
            while (running.get()) {
                EntitlementId id = id(10 + n % 10);
                ledger.consume(new ConsumeUsage(id, 1, Instant.now(), "during-" + n++, Map.of(), null));
                sentDuringRebuild.incrementAndGet();
            }
        });
        Thread reader = new Thread(() -> {
            while (running.get()) {
                for (int i = 3; i < ENTITLEMENTS; i++) {
                    if (TableItems.get(table, id(i).userId(), "AI_TUTOR_ACCESS").isEmpty()) {
                        readerSawNothing.set(id(i).toString());
                    }
                }
            }
        });
        producer.start();
        reader.start();
        long generationBefore =
                app.getBean(Rebuilds.class).row("entitlement-table").generation();
        long generation = app.getBean(Rebuilds.class).rebuild(Projection.DYNAMODB, "test", Duration.ofSeconds(60));
        assertThat(generation).isEqualTo(generationBefore + 1);
        await().atMost(Duration.ofSeconds(60)).until(() -> sentDuringRebuild.get() > 50);
        running.set(false);
        producer.join();
        reader.join();
        awaitCaughtUp();

        assertThat(readerSawNothing.get())
                .as("an item disappeared during the rebuild")
                .isNull();
        DriftCheck.Report report = drift();
        assertThat(report.drift()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo("EXTRA");
            assertThat(d.userId()).isEqualTo("ghost");
        });
        Map<String, AttributeValue> repaired =
                TableItems.get(table, id(1).userId(), "AI_TUTOR_ACCESS").orElseThrow();
        assertThat(repaired.get("usageCount").n()).isEqualTo("3");
        assertThat(repaired.get("generation").n()).isEqualTo(Long.toString(generation));
        assertThat(TableItems.get(table, id(2).userId(), "AI_TUTOR_ACCESS")).isPresent();
        long usedDuringRebuild = 0;
        for (int i = 10; i < 20; i++) {
            usedDuringRebuild += Long.parseLong(TableItems.get(table, id(i).userId(), "AI_TUTOR_ACCESS")
                    .orElseThrow()
                    .get("usageCount")
                    .n());
        }
        long seeded = 0;
        for (int i = 10; i < 20; i++) {
            for (int u = 0; u <= i % 4; u++) {
                seeded += 1 + u;
            }
        }
        assertThat(usedDuringRebuild)
                .as("usage recorded during the rebuild is in the table")
                .isEqualTo(seeded + sentDuringRebuild.get());
    }

    @Test
    @Order(4)
    void the_command_line_rebuild_repairs_the_table_and_status_reports_it() {
        putUnconditionally(Map.of(
                "userId",
                AttributeValue.fromS("rb-user-5"),
                "entitlementKey",
                AttributeValue.fromS("AI_TUTOR_ACCESS"),
                "active",
                AttributeValue.fromBool(false),
                "version",
                AttributeValue.fromN("0"),
                "generation",
                AttributeValue.fromN("1")));
        deleteItem("ghost", "AI_TUTOR_ACCESS");
        assertThat(drift().drift()).hasSize(1);

        StringWriter output = new StringWriter();
        assertThat(cli(output, "projections", "rebuild", "dynamodb", "--timeout", "PT2M"))
                .isZero();
        assertThat(output.toString()).contains("rebuild of dynamodb complete");
        assertThat(drift().drift()).isEmpty();

        StringWriter status = new StringWriter();
        assertThat(cli(status, "projections", "status")).isZero();
        assertThat(status.toString()).contains("dynamodb").contains("entitlement-table");
    }

    @Test
    @Order(5)
    void the_command_line_rejects_unknown_commands_with_a_usage_error() {
        StringWriter output = new StringWriter();
        assertThat(cli(output, "projections", "rebuild")).isEqualTo(picocli.CommandLine.ExitCode.USAGE);
        assertThat(cli(output, "projections", "explode")).isEqualTo(picocli.CommandLine.ExitCode.USAGE);
        assertThat(cli(output, "projections", "drift", "history")).isEqualTo(picocli.CommandLine.ExitCode.SOFTWARE);
        assertThat(output.toString()).contains("Missing required parameter");
    }

    @Test
    @Order(6)
    void a_rebuild_recreates_a_table_that_was_lost_and_fills_it_again() {
        DynamoDbClient dynamo = app.getBean(DynamoDbClient.class);
        dynamo.deleteTable(r -> r.tableName(table.name()));
        dynamo.waiter().waitUntilTableNotExists(r -> r.tableName(table.name()));

        long generation = app.getBean(Rebuilds.class).rebuild(Projection.DYNAMODB, "test", Duration.ofSeconds(60));
        awaitCaughtUp();

        assertThat(app.getBean(Rebuilds.class).row("entitlement-table").generation())
                .isEqualTo(generation);
        assertThat(drift().drift()).isEmpty();
        assertThat(drift().checked()).isEqualTo(entitlements);
        assertThat(TableItems.get(table, id(1).userId(), "AI_TUTOR_ACCESS")
                        .orElseThrow()
                        .get("usageCount")
                        .n())
                .isEqualTo("3");
    }
}
