package dev.ledger.projection.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.LedgerApplication;
import dev.ledger.support.AdminClient;
import dev.ledger.support.ChildJvm;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import dev.ledger.support.TestDynamoDb;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usage export streams: an export larger than the whole heap runs in a separate JVM limited to a 256 MiB heap. A
 * service that held the export in memory, as rows, as text or in the database driver, would die of OutOfMemoryError
 * (the JVM is told to exit on it). The size comes from wide rows (4 KB of metadata each) rather than from many rows,
 * and the rows are written while the service starts, so that the test takes seconds, not a minute.
 */
class ExportMemoryTest {

    private static final long HEAP = 256L * 1024 * 1024;
    private static final int ROWS = 72_000;
    /** Characters of metadata per row: the export is some 290 MiB, more than the whole heap. */
    private static final int NOTE = 4_000;

    @TempDir
    Path logs;

    @Test
    void an_export_larger_than_the_heap_streams_through_a_256_mib_heap() throws Exception {
        TestDatabase.Database database = TestDatabase.newDatabase();
        // the schema the service would create at startup, so that the rows can be written while it starts
        Flyway.configure()
                .dataSource(database.url(), database.username(), database.password())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        int port = TestDynamoDb.freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + (HEAP >> 20) + "m",
                "-XX:+ExitOnOutOfMemoryError"));
        // the test JVMs' flags (C1 and the serial collector in ./mvnw verify): half the CPU for the start
        command.addAll(ChildJvm.flags());
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                LedgerApplication.class.getName(),
                "--server.port=" + port));
        command.addAll(List.of(LedgerInstances.arguments(database, "ledger.environment=export")));
        Path log = logs.resolve("service.log");
        long launched = System.nanoTime();
        Process service = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            CompletableFuture<Double> written = CompletableFuture.supplyAsync(() -> writeRows(database));
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        assertThat(service.isAlive())
                                .as("service died: " + tail(log))
                                .isTrue();
                        try {
                            return http.send(
                                                    HttpRequest.newBuilder(URI.create(
                                                                    "http://127.0.0.1:" + port + "/actuator/health"))
                                                            .build(),
                                                    HttpResponse.BodyHandlers.ofString())
                                            .statusCode()
                                    == 200;
                        } catch (java.io.IOException notYet) {
                            return false;
                        }
                    });
            System.out.printf(
                    "service up in %.1f s; %d rows written in %.1f s%n",
                    (System.nanoTime() - launched) / 1e9, ROWS, written.join());

            long started = System.nanoTime();
            HttpResponse<InputStream> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                    + "/api/v1/usage/export?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"))
                            .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            // counted as bytes, not decoded: no field holds a line break, so each line ends with the only LF
            long lines = 0;
            long bytes = 0;
            try (InputStream body = response.body()) {
                byte[] buffer = new byte[64 * 1024];
                for (int read = body.read(buffer); read >= 0; read = body.read(buffer)) {
                    bytes += read;
                    for (int i = 0; i < read; i++) {
                        if (buffer[i] == '\n') {
                            lines++;
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(
                    "exported %d rows (%d MiB) in %.1f s (%.0f rows/s) with a heap of %d MiB%n",
                    ROWS, bytes >> 20, seconds, ROWS / seconds, HEAP >> 20);
            assertThat(lines).as("the header and every row").isEqualTo(ROWS + 1);
            assertThat(bytes).as("the export is larger than the whole heap").isGreaterThan(HEAP);
            assertThat(service.isAlive())
                    .as("service still running after the export: " + tail(log))
                    .isTrue();
        } finally {
            service.destroy();
            service.waitFor();
        }
    }

    /** Writes the rows to export in one statement and returns the seconds it took. */
    private static double writeRows(TestDatabase.Database database) {
        long started = System.nanoTime();
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement()) {
            statement.execute("""
                    INSERT INTO usage_history (global_index, entitlement_id, user_id, entitlement_key,
                        sequence_number, event_type, occurred_at, recorded_at, amount, period_start, period_end,
                        used_after, usage_limit, late, dedup_key, message_id, metadata)
                    SELECT g, 'user-' || (g %% 10000) || '#AI_TUTOR_ACCESS', 'user-' || (g %% 10000),
                           'AI_TUTOR_ACCESS', g, 'UsageConsumed',
                           timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second',
                           timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second', 1,
                           timestamptz '2025-01-01 00:00:00+00', timestamptz '2026-01-01 00:00:00+00',
                           g, 1000000000, false, 'idem-' || g, 'msg-' || g,
                           jsonb_build_object('source', 'api', 'note', 'a, "quoted" value ' || repeat('x', %d))
                    FROM generate_series(1, %d) g""".formatted(NOTE, ROWS));
        } catch (SQLException e) {
            throw new IllegalStateException("could not write the rows to export", e);
        }
        return (System.nanoTime() - started) / 1e9;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
