package dev.ledger.importing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.LedgerApplication;
import dev.ledger.cli.LedgerCommandLine;
import dev.ledger.projection.dynamodb.EntitlementTable;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The command-line import runs as a JVM of its own; it is killed with SIGKILL midway and run again. Every item is
 * imported exactly once, the killed run reads as FAILED, and the second run skips what the first one imported.
 */
class ImportKillAndRerunTest {

    private static final int ITEMS = 3_000;
    private static final String[] PROPERTIES = {"ledger.environment=importkill", "ledger.import.heartbeat-timeout=2s"};

    @Test
    void a_cli_import_killed_midway_and_run_again_imports_every_item_exactly_once() throws Exception {
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (ConfigurableApplicationContext app = LedgerInstances.start(database, PROPERTIES)) {
            String table = app.getBean(EntitlementTable.class).name();
            SourceTable.seed(app.getBean(DynamoDbClient.class), table, "kill", ITEMS, 0, Instant.now());
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            Path log = Files.createTempFile("import-kill", ".log");

            Process first = cli(database, log, table).start();
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        assertThat(first.isAlive())
                                .as("the first run ended before it was killed; see %s", log)
                                .isTrue();
                        return importedEvents(jdbc) >= 300;
                    });
            first.destroyForcibly().waitFor();
            long importedBeforeKill = importedEvents(jdbc);
            assertThat(importedBeforeKill).as("killed midway").isLessThan(ITEMS);
            UUID killed = jdbc.queryForObject("SELECT id FROM table_import", UUID.class);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> app.getBean(TableImports.class).status(killed).state() == ImportStatus.State.FAILED);
            assertThat(app.getBean(TableImports.class).status(killed).failure()).contains("stopped without finishing");

            Process second = cli(database, log, table).start();
            assertThat(second.waitFor(5, TimeUnit.MINUTES))
                    .as("second run finished; see %s", log)
                    .isTrue();
            assertThat(second.exitValue()).as("exit code; see %s", log).isZero();

            assertThat(importedEvents(jdbc)).isEqualTo(ITEMS);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM domain_event_entry", Long.class))
                    .isEqualTo(ITEMS);
            assertThat(jdbc.queryForObject(
                            "SELECT count(DISTINCT aggregate_identifier) FROM domain_event_entry", Long.class))
                    .isEqualTo(ITEMS);
            Map<String, Object> rerun = jdbc.queryForMap(
                    "SELECT state, imported, skipped_existing FROM table_import " + "WHERE id <> ?", killed);
            assertThat(rerun.get("state")).isEqualTo("DONE");
            assertThat((Long) rerun.get("skipped_existing")).isEqualTo(importedBeforeKill);
            assertThat((Long) rerun.get("imported") + (Long) rerun.get("skipped_existing"))
                    .isEqualTo(ITEMS);
        }
    }

    private static long importedEvents(JdbcTemplate jdbc) {
        return jdbc.queryForObject(
                "SELECT count(*) FROM domain_event_entry WHERE payload_type = ?",
                Long.class,
                "dev.ledger.entitlement.EntitlementImported");
    }

    /** {@code java -cp <test class path> LedgerApplication import dynamodb --table T}, configured by system properties. */
    private static ProcessBuilder cli(TestDatabase.Database database, Path log, String table) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path")));
        for (String argument : LedgerInstances.arguments(database, PROPERTIES)) {
            command.add("-D" + argument.substring(2));
        }
        command.addAll(List.of(LedgerApplication.class.getName(), "import", "dynamodb", "--table", table));
        assertThat(LedgerCommandLine.handles(new String[] {"import"})).isTrue();
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }
}
