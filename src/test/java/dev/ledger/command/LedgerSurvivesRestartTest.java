package dev.ledger.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.Consumption;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

class LedgerSurvivesRestartTest {

    @Test
    void granted_and_consumed_state_is_read_back_after_the_application_restarts() {
        TestDatabase.Database database = TestDatabase.newDatabase();
        EntitlementId id = EntitlementId.of("restart-user", "AI_TUTOR_ACCESS");

        JsonNode before;
        try (ConfigurableApplicationContext first = LedgerInstances.start(database)) {
            RestClient http = LedgerInstances.adminClient(first);
            JsonNode granted = http.post()
                    .uri("/api/v1/entitlements")
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(Map.of(
                            "userId",
                            id.userId(),
                            "entitlementKey",
                            id.entitlementKey(),
                            "active",
                            true,
                            "usage",
                            Map.of("limit", 100, "period", "MONTHLY", "overLimit", "REJECT")))
                    .retrieve()
                    .body(JsonNode.class);
            assertThat(granted.get("version").asLong()).isZero();

            Ledger ledger = first.getBean(Ledger.class);
            assertThat(ledger.consume(new ConsumeUsage(id, 7, Instant.now(), "r-1", Map.of("source", "test"), "m-1")))
                    .isEqualTo(Consumption.COUNTED);
            assertThat(ledger.consume(new ConsumeUsage(id, 5, Instant.now(), "r-2", Map.of(), "m-2")))
                    .isEqualTo(Consumption.COUNTED);

            before = http.get()
                    .uri("/api/v1/entitlements/{u}/{k}", id.userId(), id.entitlementKey())
                    .retrieve()
                    .body(JsonNode.class);
            assertThat(before.at("/usage/used").asLong()).isEqualTo(12);
            assertThat(before.get("version").asLong()).isEqualTo(2);
        }

        try (ConfigurableApplicationContext second = LedgerInstances.start(database)) {
            RestClient http = LedgerInstances.adminClient(second);
            JsonNode after = http.get()
                    .uri("/api/v1/entitlements/{u}/{k}", id.userId(), id.entitlementKey())
                    .retrieve()
                    .body(JsonNode.class);
            assertThat(after).isEqualTo(before);

            // the restarted instance continues the same event stream and still knows the counted keys
            Ledger ledger = second.getBean(Ledger.class);
            assertThat(ledger.consume(new ConsumeUsage(id, 7, Instant.now(), "r-1", Map.of(), "m-1")))
                    .isEqualTo(Consumption.DUPLICATE);
            assertThat(ledger.consume(new ConsumeUsage(id, 1, Instant.now(), "r-3", Map.of(), "m-3")))
                    .isEqualTo(Consumption.COUNTED);
            JsonNode continued = http.get()
                    .uri("/api/v1/entitlements/{u}/{k}", id.userId(), id.entitlementKey())
                    .retrieve()
                    .body(JsonNode.class);
            assertThat(continued.at("/usage/used").asLong()).isEqualTo(13);
            assertThat(continued.get("version").asLong()).isEqualTo(3);
        }
    }
}
