package dev.ledger.projection.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.LedgerApplication;
import dev.ledger.support.AdminClient;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import dev.ledger.support.TestDynamoDb;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usage export streams: a 1,000,000-row export runs in a separate JVM limited to a 256 MiB heap. A service that
 * buffered the export would die of OutOfMemoryError (the JVM is told to exit on it).
 */
class ExportMemoryTest {

    private static final int ROWS = 1_000_000;

    @TempDir
    Path logs;

    @Test
    void a_million_row_export_streams_through_a_256_mib_heap() throws Exception {
        TestDatabase.Database database = TestDatabase.newDatabase();
        int port = TestDynamoDb.freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                LedgerApplication.class.getName(),
                "--server.port=" + port));
        command.addAll(List.of(LedgerInstances.arguments(database, "ledger.environment=export")));
        Path log = logs.resolve("service.log");
        Process service = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1))
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
            try (Connection connection = database.connect();
                    Statement statement = connection.createStatement()) {
                statement.execute("""
                        INSERT INTO usage_history (global_index, entitlement_id, user_id, entitlement_key,
                            sequence_number, event_type, occurred_at, recorded_at, amount, period_start, period_end,
                            used_after, usage_limit, late, dedup_key, message_id, metadata)
                        SELECT g, 'user-' || (g % 10000) || '#AI_TUTOR_ACCESS', 'user-' || (g % 10000),
                               'AI_TUTOR_ACCESS', g, 'UsageConsumed',
                               timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second',
                               timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second', 1,
                               timestamptz '2025-01-01 00:00:00+00', timestamptz '2026-01-01 00:00:00+00',
                               g, 1000000000, false, 'idem-' || g, 'msg-' || g,
                               '{"source":"api","note":"a, \\"quoted\\" value"}'::jsonb
                        FROM generate_series(1, """ + ROWS + ") g");
            }
            long started = System.nanoTime();
            HttpResponse<java.io.InputStream> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                    + "/api/v1/usage/export?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"))
                            .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            long lines = 0;
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                while (reader.readLine() != null) {
                    lines++;
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(
                    "exported %d rows in %.1f s (%.0f rows/s) with -Xmx256m%n", ROWS, seconds, ROWS / seconds);
            assertThat(lines).isEqualTo(ROWS + 1);
            assertThat(service.isAlive())
                    .as("service still running after the export: " + tail(log))
                    .isTrue();
        } finally {
            service.destroy();
            service.waitFor();
        }
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
