package dev.ledger.importing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.importing.SourceTable.Shape;
import dev.ledger.intake.Queues;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionStatus;
import dev.ledger.projection.dynamodb.DriftCheck;
import dev.ledger.projection.dynamodb.EntitlementTable;
import dev.ledger.projection.dynamodb.TableItems;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.client.RestClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * Going live on a table that already holds 10,000 entitlements written by access-service (plus 25 broken items): the
 * ledger's own table, which it then adopts. A dry run changes nothing; the import takes every valid item exactly once
 * with exact counts; the table follows the ledger from the import on; usage continues from the imported counts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TableImportTest {

    private static final int ITEMS = 10_000;
    private static final int INVALID = 25;
    private static final String PREFIX = "imp";

    private static TestDatabase.Database database;
    private static ConfigurableApplicationContext app;
    private static RestClient api;
    private static JdbcTemplate jdbc;
    private static EntitlementTable table;
    private static Instant seededAt;

    @BeforeAll
    static void start() throws Exception {
        database = TestDatabase.newDatabase();
        app = LedgerInstances.start(database, "ledger.environment=import");
        api = LedgerInstances.adminClient(app);
        jdbc = app.getBean(JdbcTemplate.class);
        table = app.getBean(EntitlementTable.class);
        seededAt = Instant.now();
        SourceTable.seed(app.getBean(DynamoDbClient.class), table.name(), PREFIX, ITEMS, INVALID, seededAt);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static JsonNode startImport(boolean dryRun) {
        ResponseEntity<JsonNode> started = api.post()
                .uri("/api/v1/admin/imports")
                .body(Map.of("table", table.name(), "dryRun", dryRun))
                .retrieve()
                .toEntity(JsonNode.class);
        assertThat(started.getStatusCode().value()).isEqualTo(202);
        return started.getBody();
    }

    private static JsonNode awaitFinished(String id) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    last[0] = api.get()
                            .uri("/api/v1/admin/imports/{id}", id)
                            .retrieve()
                            .body(JsonNode.class);
                    return !last[0].get("state").asText().equals("RUNNING");
                });
        return last[0];
    }

    private static long importedEvents() {
        return jdbc.queryForObject(
                "SELECT count(*) FROM domain_event_entry WHERE payload_type = ?",
                Long.class,
                "dev.ledger.entitlement.EntitlementImported");
    }

    private static void awaitTableCaughtUp() {
        ProjectionStatus status = app.getBean(ProjectionStatus.class);
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    ProjectionStatus.Status s = status.of(Projection.DYNAMODB);
                    return !s.replaying() && s.lagEvents() == 0 && "RUNNING".equals(s.state());
                });
    }

    private static JsonNode entitlement(int i) {
        return api.get()
                .uri("/api/v1/entitlements/{u}/{k}", SourceTable.user(PREFIX, i), SourceTable.KEY)
                .retrieve()
                .body(JsonNode.class);
    }

    private static Map<String, AttributeValue> item(int i) {
        return TableItems.get(table, SourceTable.user(PREFIX, i), SourceTable.KEY)
                .orElseThrow();
    }

    @Test
    @Order(1)
    void a_dry_run_reports_the_counts_and_changes_nothing() {
        JsonNode done = awaitFinished(startImport(true).get("id").asText());

        assertThat(done.get("state").asText()).isEqualTo("DONE");
        assertThat(done.get("dryRun").asBoolean()).isTrue();
        assertThat(done.get("scanned").asLong()).isEqualTo(ITEMS + INVALID);
        assertThat(done.get("imported").asLong()).isEqualTo(ITEMS);
        assertThat(done.get("skippedExisting").asLong()).isZero();
        assertThat(done.get("invalid").asLong()).isEqualTo(INVALID);
        assertThat(importedEvents()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM entitlement_state", Long.class))
                .isZero();
        assertThat(item(4)).doesNotContainKey("generation").isEqualTo(SourceTable.item(PREFIX, 4, seededAt));
    }

    @Test
    @Order(2)
    void the_import_takes_every_valid_item_exactly_once_with_exact_counts_and_refuses_a_second_run_meanwhile() {
        long started = System.nanoTime();
        String id = startImport(false).get("id").asText();
        var second = api.post()
                .uri("/api/v1/admin/imports")
                .body(Map.of("table", table.name()))
                .exchange((request, response) -> Map.entry(
                        response.getStatusCode(), new String(response.getBody().readAllBytes())));
        JsonNode done = awaitFinished(id);
        double seconds = (System.nanoTime() - started) / 1e9;

        assertThat(second.getKey()).isEqualTo(HttpStatusCode.valueOf(409));
        assertThat(second.getValue()).contains("\"code\":\"IMPORT_RUNNING\"").contains(id);
        assertThat(done.get("state").asText()).isEqualTo("DONE");
        assertThat(done.get("scanned").asLong()).isEqualTo(ITEMS + INVALID);
        assertThat(done.get("imported").asLong()).isEqualTo(ITEMS);
        assertThat(done.get("skippedExisting").asLong()).isZero();
        assertThat(done.get("invalid").asLong()).isEqualTo(INVALID);
        assertThat(done.get("finishedAt").asText()).isNotEmpty();
        JsonNode invalidItems = done.get("invalidItems");
        assertThat(invalidItems).hasSize(INVALID);
        for (JsonNode invalid : invalidItems) {
            assertThat(invalid.get("userId").asText()).startsWith(PREFIX + "-invalid-");
            assertThat(SourceTable.INVALID_KINDS)
                    .anyMatch(kind -> invalid.get("reason").asText().contains(kind));
        }
        assertThat(importedEvents()).isEqualTo(ITEMS);
        assertThat(jdbc.queryForObject(
                        "SELECT count(DISTINCT aggregate_identifier) FROM domain_event_entry", Long.class))
                .isEqualTo(ITEMS);
        System.out.printf(
                "IMPORT RATE: %d items in %.1f s (request to DONE): %.0f items/s%n", ITEMS, seconds, ITEMS / seconds);
    }

    @Test
    @Order(3)
    void every_shape_is_imported_as_its_item_says() {
        Instant now = Instant.now();
        for (int i = 0; i < 10; i++) {
            Shape shape = SourceTable.shape(i + 20);
            JsonNode state = entitlement(i + 20);
            assertThat(state.get("active").asBoolean()).as(shape.name()).isEqualTo(shape != Shape.INACTIVE);
            if (shape == Shape.NO_TRACKING) {
                assertThat(state.get("usage").isNull()).as(shape.name()).isTrue();
                continue;
            }
            JsonNode usage = state.get("usage");
            Instant start = SourceTable.periodStart(shape, seededAt);
            assertThat(usage.get("limit").asLong()).isEqualTo(SourceTable.LIMIT);
            assertThat(usage.get("period").asText()).isEqualTo(SourceTable.period(shape));
            assertThat(usage.get("overLimit").asText())
                    .as(shape.name())
                    .isEqualTo(shape == Shape.RECORD_OVERAGE ? "RECORD_OVERAGE" : "REJECT");
            assertThat(Instant.parse(usage.get("anchor").asText()))
                    .as(shape.name())
                    .isEqualTo(start);
            if (shape == Shape.EXPIRED_WINDOW) {
                assertThat(usage.get("used").asLong()).as(shape.name()).isZero();
                assertThat(Instant.parse(usage.get("periodStart").asText()))
                        .isEqualTo(start.atZone(ZoneOffset.UTC).plusMonths(1).toInstant())
                        .isBefore(now);
                assertThat(Instant.parse(usage.get("periodEnd").asText())).isAfter(now);
            } else {
                assertThat(usage.get("used").asLong()).as(shape.name()).isEqualTo(SourceTable.used(i + 20));
                assertThat(Instant.parse(usage.get("periodStart").asText()))
                        .as(shape.name())
                        .isEqualTo(start);
            }
        }
    }

    @Test
    @Order(4)
    void the_table_is_adopted_and_drift_lists_only_the_invalid_items_as_EXTRA() {
        awaitTableCaughtUp();
        for (int i = 0; i < 10; i++) {
            Map<String, AttributeValue> item = item(i + 40);
            assertThat(item).as(SourceTable.shape(i).name()).containsKey("generation");
            assertThat(item.get("version").n()).isEqualTo("0");
        }
        assertThat(item(45))
                .as("the source's own version is replaced")
                .containsEntry("version", AttributeValue.fromN("0"));
        assertThat(item(47).get("usageCount").n())
                .as("an expired window starts at 0")
                .isEqualTo("0");
        assertThat(item(48).get("overLimit").s())
                .as("a missing overLimit is REJECT")
                .isEqualTo("REJECT");

        DriftCheck.Report report = app.getBean(DriftCheck.class).run(1000);
        assertThat(report.checked()).isEqualTo(ITEMS);
        assertThat(report.drift()).hasSize(INVALID).allSatisfy(drift -> {
            assertThat(drift.kind()).isEqualTo("EXTRA");
            assertThat(drift.userId()).startsWith(PREFIX + "-invalid-");
        });
    }

    @Test
    @Order(5)
    void a_second_import_skips_every_entitlement_the_ledger_has_and_changes_nothing() {
        JsonNode done = awaitFinished(startImport(false).get("id").asText());

        assertThat(done.get("state").asText()).isEqualTo("DONE");
        assertThat(done.get("imported").asLong()).isZero();
        assertThat(done.get("skippedExisting").asLong()).isEqualTo(ITEMS);
        assertThat(done.get("invalid").asLong()).isEqualTo(INVALID);
        assertThat(importedEvents()).isEqualTo(ITEMS);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM domain_event_entry", Long.class))
                .isEqualTo(ITEMS);
    }

    @Test
    @Order(6)
    void usage_after_the_import_continues_from_the_imported_count_and_the_item_follows() {
        int monthly = 4 + 10 * 3;
        long imported = SourceTable.used(monthly);
        long generation = Long.parseLong(item(monthly).get("generation").n());
        send(monthly, 3, "after-import-1");

        await().atMost(Duration.ofSeconds(30))
                .until(() -> entitlement(monthly).get("usage").get("used").asLong() == imported + 3);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> item(monthly).get("version").n().equals("1"));
        Map<String, AttributeValue> item = item(monthly);
        assertThat(item.get("usageCount").n()).isEqualTo(Long.toString(imported + 3));
        assertThat(item.get("generation").n()).isEqualTo(Long.toString(generation));
        assertThat(entitlement(monthly).get("version").asLong()).isEqualTo(1);
    }

    @Test
    @Order(7)
    void usage_over_the_imported_limit_is_rejected() {
        int nearlyFull = 4 + 10 * 4 + 50;
        assertThat(SourceTable.used(nearlyFull)).isEqualTo(44);
        long used = SourceTable.used(nearlyFull);
        send(nearlyFull, SourceTable.LIMIT - used + 1, "over-limit-1");

        await().atMost(Duration.ofSeconds(30))
                .until(() -> !jdbc.queryForList(
                                "SELECT reason_code FROM usage_rejection WHERE user_id = ?",
                                String.class,
                                SourceTable.user(PREFIX, nearlyFull))
                        .isEmpty());
        assertThat(jdbc.queryForList(
                        "SELECT reason_code FROM usage_rejection WHERE user_id = ?",
                        String.class,
                        SourceTable.user(PREFIX, nearlyFull)))
                .containsOnly("LIMIT_EXCEEDED");
        assertThat(entitlement(nearlyFull).get("usage").get("used").asLong()).isEqualTo(used);
        assertThat(item(nearlyFull).get("usageCount").n()).isEqualTo(Long.toString(used));
    }

    @Test
    @Order(8)
    void an_import_answers_its_problems_with_codes() {
        assertThat(problem(Map.of("table", "no-such-table")))
                .contains("\"code\":\"TABLE_NOT_FOUND\"")
                .startsWith("404");
        assertThat(problem(Map.of("dryRun", true)))
                .contains("\"code\":\"MISSING_TABLE\"")
                .startsWith("400");
        String unknown = api.get()
                .uri("/api/v1/admin/imports/{id}", java.util.UUID.randomUUID())
                .exchange((request, response) -> response.getStatusCode().value() + " "
                        + new String(response.getBody().readAllBytes()));
        assertThat(unknown).contains("\"code\":\"IMPORT_NOT_FOUND\"").startsWith("404");
        String asReader = RestClient.builder()
                .baseUrl(LedgerInstances.baseUrl(app))
                .defaultHeader("Authorization", "Bearer " + dev.ledger.support.AdminClient.READER_TOKEN)
                .build()
                .post()
                .uri("/api/v1/admin/imports")
                .body(Map.of("table", table.name()))
                .exchange((request, response) -> response.getStatusCode().value() + "");
        assertThat(asReader).isEqualTo("403");
    }

    @Test
    @Order(9)
    void history_and_export_show_the_import_as_one_entry_with_its_opening_balance() {
        int monthly = 4 + 10 * 3;
        long imported = SourceTable.used(monthly);
        await().atMost(Duration.ofMinutes(2))
                .until(() -> api.get()
                                .uri(
                                        "/api/v1/entitlements/{u}/{k}/history",
                                        SourceTable.user(PREFIX, monthly),
                                        SourceTable.KEY)
                                .retrieve()
                                .body(JsonNode.class)
                                .get("entries")
                                .size()
                        == 2);
        JsonNode entries = api.get()
                .uri(
                        "/api/v1/entitlements/{u}/{k}/history?types=EntitlementImported",
                        SourceTable.user(PREFIX, monthly),
                        SourceTable.KEY)
                .retrieve()
                .body(JsonNode.class)
                .get("entries");
        assertThat(entries).hasSize(1);
        JsonNode entry = entries.get(0);
        assertThat(entry.get("type").asText()).isEqualTo("EntitlementImported");
        assertThat(entry.get("sequenceNumber").asLong()).isZero();
        assertThat(entry.get("usedAfter").asLong()).isEqualTo(imported);
        assertThat(entry.get("details").get("importedFrom").asText()).isEqualTo(table.name());

        String export = api.get()
                .uri(
                        "/api/v1/usage/export?from={from}&to={to}&format=ndjson",
                        seededAt.minus(Duration.ofMinutes(1)),
                        Instant.now().plus(Duration.ofMinutes(1)))
                .retrieve()
                .body(String.class);
        List<String> lines = export.lines()
                .filter(l -> l.contains("\"" + SourceTable.user(PREFIX, monthly) + "\""))
                .toList();
        assertThat(lines)
                .as("the opening balance and the one consumption after it")
                .hasSize(2);
        assertThat(lines.get(0)).contains("\"amount\":" + imported).containsPattern("\"openingBalance\":\\s*true");
        assertThat(lines.get(1)).contains("\"amount\":3").doesNotContain("openingBalance");
    }

    @Test
    @Order(10)
    void the_command_line_dry_run_lists_the_invalid_items_and_exits_4() {
        java.io.StringWriter output = new java.io.StringWriter();
        int exit = dev.ledger.cli.LedgerCommandLine.run(
                dev.ledger.LedgerApplication.class,
                new String[] {"import", "dynamodb", "--table", table.name(), "--dry-run"},
                new java.io.PrintWriter(output, true),
                new java.io.PrintWriter(output, true),
                LedgerInstances.arguments(database, "ledger.environment=import"));

        assertThat(exit).as(output.toString()).isEqualTo(dev.ledger.cli.LedgerCommandLine.INVALID_ITEMS);
        assertThat(output.toString())
                .contains("INVALID " + PREFIX + "-invalid-0/lower_case_key")
                .contains("DONE: scanned " + (ITEMS + INVALID) + ", would import 0, skipped existing " + ITEMS
                        + ", invalid " + INVALID);
    }

    private static String problem(Map<String, Object> body) {
        return api.post()
                .uri("/api/v1/admin/imports")
                .body(body)
                .exchange((request, response) -> response.getStatusCode().value() + " "
                        + new String(response.getBody().readAllBytes()));
    }

    private static void send(int i, long amount, String idempotencyKey) {
        String body = "{\"userId\":\"" + SourceTable.user(PREFIX, i) + "\",\"entitlementKey\":\"" + SourceTable.KEY
                + "\",\"amount\":" + amount + ",\"idempotencyKey\":\"" + idempotencyKey + "\"}";
        String queue = app.getBean(Queues.class).queueUrl();
        app.getBean(SqsAsyncClient.class)
                .sendMessage(r -> r.queueUrl(queue).messageBody(body))
                .join();
    }
}
