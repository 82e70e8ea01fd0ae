package dev.ledger.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.CountedUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.PeriodWindow;
import dev.ledger.entitlement.ReverseUsage;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.intake.RejectionLog;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/** {@code GET /api/v1/entitlements/{userId}/{entitlementKey}/explain} over HTTP, on the real stores. */
@IntegrationTest
class ExplainTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    Ledger ledger;

    @Autowired
    RejectionLog rejections;

    @Autowired
    JdbcTemplate jdbc;

    private ResponseEntity<JsonNode> get(String path, String token) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        return http.exchange(path, HttpMethod.GET, new HttpEntity<>(headers), JsonNode.class);
    }

    private JsonNode read(String path) {
        ResponseEntity<JsonNode> response = get(path, AdminClient.READER_TOKEN);
        assertThat(response.getStatusCode().value()).as(path).isEqualTo(200);
        return response.getBody();
    }

    private void reject(EntitlementId id, String messageId, Instant at) {
        rejections.record(
                messageId,
                2,
                "key-" + messageId,
                id.userId(),
                id.entitlementKey(),
                "LIMIT_EXCEEDED",
                "over the limit",
                RejectionLog.NextStep.RETRY,
                at,
                "{}");
    }

    private static List<String> types(JsonNode explanation) {
        List<String> types = new ArrayList<>();
        explanation.get("entries").forEach(entry -> types.add(entry.get("type").asText()));
        return types;
    }

    private static List<Long> usedAfter(JsonNode explanation) {
        List<Long> values = new ArrayList<>();
        explanation
                .get("entries")
                .forEach(entry -> values.add(entry.get("usedAfter").asLong()));
        return values;
    }

    @Test
    void a_reader_gets_the_current_window_with_its_entries_rejections_and_the_agreeing_table_item() {
        EntitlementId id = EntitlementId.of("explain-current", "AI_TUTOR_ACCESS");
        // anchored an hour ago: the window lasts another 23 hours, so the test never straddles a period boundary
        Instant anchor = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        ledger.send(
                id,
                new GrantEntitlement(id, true, new UsagePolicy(10, Period.DAILY, anchor, OverLimit.REJECT), anchor),
                Map.of());
        ledger.consume(new ConsumeUsage(id, 3, Instant.now(), "current-1", Map.of("source", "test"), "m-1"));
        ledger.consume(new ConsumeUsage(id, 4, Instant.now(), "current-2", Map.of(), "m-2"));
        reject(id, "rejected-now", Instant.now());
        reject(id, "rejected-yesterday", anchor.minus(Duration.ofHours(2)));
        JsonNode state = read("/api/v1/entitlements/explain-current/AI_TUTOR_ACCESS");
        // the DynamoDB projection lags the events: wait until the item has the entitlement's last event
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> read("/api/v1/entitlements/explain-current/AI_TUTOR_ACCESS/explain")
                                .at("/table/version")
                                .asLong(-1),
                        version -> version == state.get("version").asLong());

        JsonNode explanation = read("/api/v1/entitlements/explain-current/AI_TUTOR_ACCESS/explain");

        assertThat(Instant.parse(explanation.get("at").asText())).isAfter(anchor);
        assertThat(explanation.get("periodStart").asText()).isEqualTo(anchor.toString());
        assertThat(explanation.get("periodEnd").asText())
                .isEqualTo(anchor.plus(Duration.ofDays(1)).toString());
        assertThat(explanation.get("limit").asLong()).isEqualTo(10);
        assertThat(explanation.get("overLimit").asText()).isEqualTo("REJECT");
        assertThat(explanation.get("used").asLong())
                .isEqualTo(7)
                .isEqualTo(state.at("/usage/used").asLong());
        assertThat(types(explanation)).containsExactly("EntitlementGranted", "UsageConsumed", "UsageConsumed");
        assertThat(usedAfter(explanation)).containsExactly(0L, 3L, 7L);
        JsonNode consumed = explanation.at("/entries/1");
        assertThat(consumed.fieldNames())
                .toIterable()
                .containsExactlyInAnyOrder(
                        "type", "position", "occurredAt", "recordedAt", "amount", "usedAfter", "dedupKey", "late");
        assertThat(consumed.get("amount").asLong()).isEqualTo(3);
        assertThat(consumed.get("dedupKey").asText()).isEqualTo("current-1");
        assertThat(consumed.get("late").asBoolean()).isFalse();
        assertThat(consumed.get("position").asLong())
                .isGreaterThan(explanation.at("/entries/0/position").asLong())
                .isLessThan(explanation.at("/entries/2/position").asLong());
        // position and recordedAt are the stored event's global index and time stamp
        List<String> stored = jdbc.queryForList(
                "SELECT global_index || ' ' || time_stamp FROM domain_event_entry WHERE aggregate_identifier = ? "
                        + "ORDER BY sequence_number",
                String.class,
                id.toString());
        List<String> shown = new ArrayList<>();
        explanation
                .get("entries")
                .forEach(entry -> shown.add(entry.get("position").asLong() + " "
                        + Instant.parse(entry.get("recordedAt").asText())));
        assertThat(shown)
                .isEqualTo(stored.stream()
                        .map(row -> row.split(" ")[0] + " " + Instant.parse(row.split(" ")[1]))
                        .toList());

        assertThat(explanation.get("rejections")).hasSize(1);
        JsonNode rejection = explanation.at("/rejections/0");
        assertThat(rejection.get("messageId").asText()).isEqualTo("rejected-now");
        assertThat(rejection.get("reasonCode").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(rejection.get("receiveCount").asInt()).isEqualTo(2);
        assertThat(rejection.get("outcome").asText()).isEqualTo("RETRY");
        assertThat(rejection.get("dedupKey").asText()).isEqualTo("key-rejected-now");
        assertThat(rejection.has("at")).isTrue();

        JsonNode table = explanation.get("table");
        assertThat(table.get("usageCount").asLong()).isEqualTo(7);
        assertThat(table.get("version").asLong()).isEqualTo(state.get("version").asLong());
        assertThat(table.get("agrees").asBoolean()).isTrue();
        assertThat(table.has("error")).isFalse();
    }

    @Test
    void a_past_window_counts_its_usage_late_usage_counted_into_it_and_reversals_and_has_no_table() {
        EntitlementId id = EntitlementId.of("explain-past", "AI_TUTOR_ACCESS");
        Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(10));
        Instant granted = day.plus(Duration.ofHours(1));
        ledger.send(
                id,
                new GrantEntitlement(id, true, new UsagePolicy(10, Period.DAILY, null, OverLimit.REJECT), granted),
                Map.of());
        ledger.consume(new ConsumeUsage(id, 2, granted.plusSeconds(60), "past-1", Map.of(), "p-1"));
        // two days later: the lazy reset closes the first window with 2
        ledger.consume(new ConsumeUsage(id, 1, granted.plus(Duration.ofDays(2)), "past-2", Map.of(), "p-2"));
        // late usage, counted into the first window
        ledger.consume(new ConsumeUsage(id, 3, granted.plus(Duration.ofHours(5)), "past-late", Map.of(), "p-3"));
        ledger.send(
                id,
                new ReverseUsage(
                        id,
                        "reversal-1",
                        "past-1",
                        new CountedUsage("past-1", 2, granted.plusSeconds(60), day, day.plus(Duration.ofDays(1))),
                        1L,
                        "duplicate charge",
                        "test",
                        Instant.now(),
                        false),
                Map.of());
        reject(id, "rejected-then", granted.plus(Duration.ofHours(6)));
        reject(id, "rejected-later", granted.plus(Duration.ofDays(2)));

        JsonNode explanation = read(
                "/api/v1/entitlements/explain-past/AI_TUTOR_ACCESS/explain?at=" + granted.plus(Duration.ofHours(2)));

        assertThat(explanation.get("periodStart").asText()).isEqualTo(day.toString());
        assertThat(explanation.get("periodEnd").asText())
                .isEqualTo(day.plus(Duration.ofDays(1)).toString());
        assertThat(types(explanation))
                .containsExactly("EntitlementGranted", "UsageConsumed", "UsageConsumed", "UsageReversed");
        assertThat(usedAfter(explanation)).containsExactly(0L, 2L, 5L, 4L);
        assertThat(explanation.at("/entries/2/late").asBoolean()).isTrue();
        assertThat(explanation.at("/entries/3/amount").asLong()).isEqualTo(-1);
        assertThat(explanation.at("/entries/3/dedupKey").asText()).isEqualTo("past-1");
        assertThat(explanation.get("used").asLong()).isEqualTo(4);
        assertThat(explanation.get("rejections")).hasSize(1);
        assertThat(explanation.at("/rejections/0/messageId").asText()).isEqualTo("rejected-then");
        assertThat(explanation.has("table")).isFalse();

        JsonNode later = read(
                "/api/v1/entitlements/explain-past/AI_TUTOR_ACCESS/explain?at=" + granted.plus(Duration.ofDays(2)));
        assertThat(types(later)).containsExactly("PeriodReset", "UsageConsumed");
        assertThat(later.get("used").asLong()).isEqualTo(1);

        JsonNode now = read("/api/v1/entitlements/explain-past/AI_TUTOR_ACCESS/explain");
        PeriodWindow today = new PeriodWindow(
                Instant.parse(now.get("periodStart").asText()),
                Instant.parse(now.get("periodEnd").asText()));
        assertThat(today.contains(Instant.parse(now.get("at").asText()))).isTrue();
        assertThat(now.get("used").asLong()).isZero();
        assertThat(now.get("entries")).isEmpty();
        // the item still holds the window of two days after the grant, which a reader of the table reads as 0 now
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(read("/api/v1/entitlements/explain-past/AI_TUTOR_ACCESS/explain")
                                .at("/table/agrees")
                                .asBoolean())
                        .isTrue());
        assertThat(read("/api/v1/entitlements/explain-past/AI_TUTOR_ACCESS/explain")
                        .at("/table/usageCount")
                        .asLong())
                .isEqualTo(1);
    }

    @Test
    void a_bad_at_is_400_invalid_time_and_an_unknown_entitlement_404() {
        EntitlementId id = EntitlementId.of("explain-errors", "AI_TUTOR_ACCESS");
        ledger.send(
                id,
                new GrantEntitlement(
                        id, true, new UsagePolicy(10, Period.MONTHLY, null, OverLimit.REJECT), Instant.now()),
                Map.of());

        for (String at : List.of("yesterday", "2025-13-01T00:00:00Z", "10000-01-01T00:00:00Z")) {
            ResponseEntity<JsonNode> bad = get(
                    "/api/v1/entitlements/explain-errors/AI_TUTOR_ACCESS/explain?at=" + at, AdminClient.READER_TOKEN);
            assertThat(bad.getStatusCode().value()).as(at).isEqualTo(400);
            assertThat(bad.getHeaders().getContentType()).hasToString("application/problem+json");
            assertThat(bad.getBody().get("code").asText()).as(at).isEqualTo("INVALID_TIME");
        }

        ResponseEntity<JsonNode> unknown =
                get("/api/v1/entitlements/explain-nobody/AI_TUTOR_ACCESS/explain", AdminClient.READER_TOKEN);
        assertThat(unknown.getStatusCode().value()).isEqualTo(404);
        assertThat(unknown.getBody().get("code").asText()).isEqualTo("ENTITLEMENT_NOT_FOUND");
    }

    @Test
    void an_entitlement_without_usage_tracking_is_409_no_usage_tracking() {
        EntitlementId id = EntitlementId.of("explain-untracked", "ACCESS_DASHBOARD");
        ledger.send(id, new GrantEntitlement(id, true, null, Instant.now()), Map.of());

        ResponseEntity<JsonNode> refused =
                get("/api/v1/entitlements/explain-untracked/ACCESS_DASHBOARD/explain", AdminClient.READER_TOKEN);

        assertThat(refused.getStatusCode().value()).isEqualTo(409);
        assertThat(refused.getBody().get("code").asText()).isEqualTo("NO_USAGE_TRACKING");
    }
}
