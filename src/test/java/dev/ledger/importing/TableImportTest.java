package dev.ledger.importing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.LedgerApplication;
import dev.ledger.cli.LedgerCommandLine;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.importing.SourceTable.Shape;
import dev.ledger.intake.Queues;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionStatus;
import dev.ledger.projection.dynamodb.DriftCheck;
import dev.ledger.projection.dynamodb.EntitlementTable;
import dev.ledger.projection.dynamodb.TableItems;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
import picocli.CommandLine;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * Going live on a table that already holds entitlements written by access-service (every shape, plus 25 broken items):
 * the ledger's own table, which it then adopts. A dry run changes nothing; the import takes every valid item exactly
 * once with exact counts; the table follows the ledger from the import on; usage continues from the imported counts;
 * the command line runs the same import. Last, the command-line import runs as a JVM of its own, is killed with SIGKILL
 * midway and is run again: every item is imported exactly once, the killed run reads as FAILED, and the second run
 * skips what the first one imported.
 *
 * <p>All of it runs in one application: the command-line jobs through {@link LedgerCommandLine#runIn} (the job
 * starting an application of its own is {@code ProductionJarIT}'s), only the killed import in a process of its own.
 * The sizes are what the checks need, not volume: {@value #DEFAULT_ITEMS} items hold every shape 20 times, the items
 * the tests read (up to 94), and enough for the 8 segments of the Scan to import in parallel. A run is kept from
 * finishing by holding one of its items back ({@link HeldBack}), never by its size. {@code -Dimport.items=10000} runs
 * the import of the README's "Import rate".
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TableImportTest {

    private static final int DEFAULT_ITEMS = 200;
    private static final int ITEMS = Integer.getInteger("import.items", DEFAULT_ITEMS);
    private static final int INVALID = 25;
    private static final String PREFIX = "imp";
    /** The killed import's own source table and items; it is killed once it reports a quarter of them imported. */
    private static final String KILL_TABLE = "access-service-kill-test";

    private static final int KILL_ITEMS = 200;
    private static final String KILL_PREFIX = "kill";
    /** The killed import's connections are named, so the test sees when its transactions have ended. */
    private static final String KILLED_PROCESS = "ledger-killed-import";
    /** Also for the killed import's JVM; the heartbeat timeout is short so that its run reads as FAILED soon. */
    private static final String[] PROPERTIES = {"ledger.environment=import", "ledger.import.heartbeat-timeout=3s"};

    private static TestDatabase.Database database;
    private static ConfigurableApplicationContext app;
    private static RestClient api;
    private static JdbcTemplate jdbc;
    private static EntitlementTable table;
    private static Instant seededAt;

    @BeforeAll
    static void start() throws Exception {
        assertThat(ITEMS).as("the tests read items up to 94").isGreaterThanOrEqualTo(100);
        database = TestDatabase.newDatabase();
        app = LedgerInstances.start(database, PROPERTIES);
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
                .pollInterval(Duration.ofMillis(100))
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
    void the_import_takes_every_valid_item_exactly_once_with_exact_counts_and_refuses_a_second_run_meanwhile()
            throws SQLException {
        long started = System.nanoTime();
        String id;
        Map.Entry<HttpStatusCode, String> second;
        // its last item held back, the run is still running when the second one is asked for, however fast it goes
        try (HeldBack held = new HeldBack(SourceTable.user(PREFIX, ITEMS - 1))) {
            id = startImport(false).get("id").asText();
            second = api.post()
                    .uri("/api/v1/admin/imports")
                    .body(Map.of("table", table.name()))
                    .exchange((request, response) -> Map.entry(
                            response.getStatusCode(),
                            new String(response.getBody().readAllBytes())));
        }
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
                .uri("/api/v1/admin/imports/{id}", UUID.randomUUID())
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
        StringWriter output = new StringWriter();
        int exit = LedgerCommandLine.runIn(
                app,
                new String[] {"import", "dynamodb", "--table", table.name(), "--dry-run"},
                new PrintWriter(output, true),
                new PrintWriter(output, true));

        assertThat(exit).as(output.toString()).isEqualTo(LedgerCommandLine.INVALID_ITEMS);
        assertThat(output.toString())
                .contains("started (dry run)")
                .contains("INVALID " + PREFIX + "-invalid-0/lower_case_key")
                .contains("DONE: scanned " + (ITEMS + INVALID) + ", would import 0, skipped existing " + ITEMS
                        + ", invalid " + INVALID);
    }

    @Test
    @Order(11)
    void the_command_line_import_without_a_table_is_a_usage_error() {
        StringWriter output = new StringWriter();
        int exit = LedgerCommandLine.runIn(
                app, new String[] {"import", "dynamodb"}, new PrintWriter(output, true), new PrintWriter(output, true));

        assertThat(exit).as(output.toString()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(output.toString()).contains("Missing required option: '--table=<table>'");
    }

    @Test
    @Order(12)
    void a_command_line_import_killed_midway_and_run_again_imports_every_item_exactly_once() throws Exception {
        DynamoDbClient dynamo = app.getBean(DynamoDbClient.class);
        SourceTable.create(dynamo, KILL_TABLE);
        SourceTable.seed(dynamo, KILL_TABLE, KILL_PREFIX, KILL_ITEMS, 0, Instant.now());
        Path log = Files.createTempFile("import-kill", ".log");

        TableImports imports = app.getBean(TableImports.class);
        UUID killed;
        // its last item held back, the run cannot finish before the kill, however fast it goes
        try (HeldBack held = new HeldBack(SourceTable.user(KILL_PREFIX, KILL_ITEMS - 1))) {
            Process first = killedImport(log).start();
            try {
                // killed on the progress its heartbeat reports, as every instance's status API shows it
                killed = await().atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofMillis(100))
                        .until(
                                () -> {
                                    assertThat(first.isAlive())
                                            .as("the first run ended before it was killed; see %s", log)
                                            .isTrue();
                                    return jdbc
                                            .queryForList(
                                                    "SELECT id FROM table_import WHERE table_name = ?",
                                                    UUID.class,
                                                    KILL_TABLE)
                                            .stream()
                                            .map(imports::status)
                                            .findFirst();
                                },
                                run -> run.isPresent() && run.get().imported() >= KILL_ITEMS / 4)
                        .orElseThrow()
                        .id();
                assertThat(imports.status(killed).state()).isEqualTo(ImportStatus.State.RUNNING);
                assertThat(jdbc.queryForObject(
                                "SELECT heartbeat_at > started_at FROM table_import WHERE id = ?",
                                Boolean.class,
                                killed))
                        .as("its heartbeat")
                        .isTrue();
                assertThat(killedProcessConnections())
                        .as("its connections are named")
                        .isPositive();
            } finally {
                first.destroyForcibly().waitFor();
            }
        }
        // a transaction of the killed process ends (rolled back) with its connection; from then on its count is final
        await().atMost(Duration.ofSeconds(30)).until(() -> killedProcessConnections() == 0);
        long importedBeforeKill = importedEvents(KILL_PREFIX);
        assertThat(importedBeforeKill).as("killed midway").isBetween((long) KILL_ITEMS / 4, KILL_ITEMS - 1L);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> imports.status(killed).state() == ImportStatus.State.FAILED);
        assertThat(imports.status(killed).failure()).contains("stopped without finishing");

        StringWriter output = new StringWriter();
        int exit = LedgerCommandLine.runIn(
                app,
                new String[] {"import", "dynamodb", "--table", KILL_TABLE},
                new PrintWriter(output, true),
                new PrintWriter(output, true));

        assertThat(exit).as(output.toString()).isZero();
        assertThat(output.toString())
                .contains("DONE: scanned " + KILL_ITEMS + ", imported " + (KILL_ITEMS - importedBeforeKill)
                        + ", skipped existing " + importedBeforeKill + ", invalid 0");
        assertThat(importedEvents(KILL_PREFIX)).isEqualTo(KILL_ITEMS);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier LIKE ?",
                        Long.class,
                        KILL_PREFIX + "-%"))
                .isEqualTo(KILL_ITEMS);
        assertThat(jdbc.queryForObject(
                        "SELECT count(DISTINCT aggregate_identifier) FROM domain_event_entry "
                                + "WHERE aggregate_identifier LIKE ?",
                        Long.class,
                        KILL_PREFIX + "-%"))
                .isEqualTo(KILL_ITEMS);
        Map<String, Object> rerun = jdbc.queryForMap(
                "SELECT state, imported, skipped_existing FROM table_import WHERE table_name = ? AND id <> ?",
                KILL_TABLE,
                killed);
        assertThat(rerun.get("state")).isEqualTo("DONE");
        assertThat((Long) rerun.get("skipped_existing")).isEqualTo(importedBeforeKill);
        assertThat((Long) rerun.get("imported") + (Long) rerun.get("skipped_existing"))
                .isEqualTo(KILL_ITEMS);
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

    private static long importedEvents(String prefix) {
        return jdbc.queryForObject(
                "SELECT count(*) FROM domain_event_entry WHERE payload_type = ? AND aggregate_identifier LIKE ?",
                Long.class,
                "dev.ledger.entitlement.EntitlementImported",
                prefix + "-%");
    }

    private static long killedProcessConnections() {
        return jdbc.queryForObject(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?", Long.class, KILLED_PROCESS);
    }

    /**
     * {@code java -cp <test class path> LedgerApplication import dynamodb --table KILL_TABLE}, configured by system
     * properties, its connections named {@link #KILLED_PROCESS}.
     */
    private static ProcessBuilder killedImport(Path log) {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        // short-lived: with the test JVMs' flags (C1 only) it starts on ~17 s of CPU instead of ~28 s (measured)
        command.addAll(dev.ledger.support.ChildJvm.flags());
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        for (String argument : LedgerInstances.arguments(database, PROPERTIES)) {
            String property = argument.substring(2);
            if (property.startsWith("spring.datasource.url=")) {
                property += (property.contains("?") ? "&" : "?") + "ApplicationName=" + KILLED_PROCESS;
            }
            command.add("-D" + property);
        }
        command.addAll(List.of(LedgerApplication.class.getName(), "import", "dynamodb", "--table", KILL_TABLE));
        assertThat(LedgerCommandLine.handles(new String[] {"import"})).isTrue();
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }

    /**
     * Holds the import of one entitlement back: an uncommitted {@code entitlement_state} row for it makes the import's
     * insert of that row wait for this transaction ({@code ON CONFLICT} waits for it), so a run that reaches the item
     * cannot finish until {@link #close()} rolls the row back; then the import of the item goes on.
     */
    private static final class HeldBack implements AutoCloseable {
        private final Connection connection;

        HeldBack(String userId) throws SQLException {
            connection = database.connect();
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO entitlement_state (entitlement_id, user_id, entitlement_key, active, version, "
                            + "updated_at) VALUES (?, ?, ?, true, 0, now())")) {
                insert.setString(1, EntitlementId.of(userId, SourceTable.KEY).toString());
                insert.setString(2, userId);
                insert.setString(3, SourceTable.KEY);
                insert.executeUpdate();
            }
        }

        @Override
        public void close() throws SQLException {
            try (connection) {
                connection.rollback();
            }
        }
    }
}
