package dev.ledger.projection.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ActivateEntitlement;
import dev.ledger.entitlement.ChangeUsagePolicy;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.DeactivateEntitlement;
import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.ResetPeriod;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.projection.Rebuilds;
import dev.ledger.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The entitlement-table processor against dynalite and Postgres. */
@IntegrationTest
class EntitlementTableProjectionTest {

    @Autowired
    Ledger ledger;

    @Autowired
    EntitlementTable table;

    @Autowired
    Rebuilds rebuilds;

    @Autowired
    MeterRegistry meters;

    @Autowired
    org.springframework.boot.test.web.client.TestRestTemplate http;

    private Map<String, AttributeValue> awaitItem(EntitlementId id, Predicate<Map<String, AttributeValue>> condition) {
        return await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> TableItems.get(table, id.userId(), id.entitlementKey()),
                        item -> item.isPresent() && condition.test(item.get()))
                .orElseThrow();
    }

    private static long n(Map<String, AttributeValue> item, String name) {
        return Long.parseLong(item.get(name).n());
    }

    @Test
    void the_item_follows_grant_usage_reset_policy_change_and_deactivation_with_the_contract_attributes() {
        EntitlementId id = EntitlementId.of("table-user", "AI_TUTOR_ACCESS");
        Instant anchor = Instant.parse("2025-01-31T15:00:00Z");
        ledger.send(
                id,
                new GrantEntitlement(
                        id, true, new UsagePolicy(100, Period.MONTHLY, anchor, OverLimit.REJECT), Instant.now()),
                Map.of());
        Map<String, AttributeValue> granted = awaitItem(id, item -> true);
        assertThat(granted.get("userId").s()).isEqualTo("table-user");
        assertThat(granted.get("entitlementKey").s()).isEqualTo("AI_TUTOR_ACCESS");
        assertThat(granted.get("active").bool()).isTrue();
        assertThat(n(granted, "usageLimit")).isEqualTo(100);
        assertThat(n(granted, "usageCount")).isZero();
        assertThat(granted.get("overLimit").s()).isEqualTo("REJECT");
        assertThat(granted.get("period").s()).isEqualTo("MONTHLY");
        assertThat(Instant.parse(granted.get("periodStart").s())
                        .atZone(java.time.ZoneOffset.UTC)
                        .getHour())
                .isEqualTo(15);
        assertThat(granted.get("periodEnd").s()).endsWith("T15:00:00Z");
        assertThat(n(granted, "version")).isZero();
        assertThat(n(granted, "generation")).isEqualTo(rebuilds.activeGeneration("entitlement-table"));
        assertThat(Instant.parse(granted.get("updatedAt").s()))
                .isBefore(Instant.now().plusSeconds(1));

        ledger.consume(new ConsumeUsage(id, 7, Instant.now(), "t-1", Map.of(), null));
        assertThat(n(awaitItem(id, item -> n(item, "version") == 1), "usageCount"))
                .isEqualTo(7);

        ledger.send(id, new ResetPeriod(id, Instant.now()), Map.of());
        assertThat(n(awaitItem(id, item -> n(item, "version") == 2), "usageCount"))
                .isZero();

        ledger.send(
                id,
                new ChangeUsagePolicy(
                        id, new UsagePolicy(5, Period.NONE, null, OverLimit.RECORD_OVERAGE), Instant.now()),
                Map.of());
        Map<String, AttributeValue> lifetime = awaitItem(id, item -> n(item, "version") == 3);
        assertThat(n(lifetime, "usageLimit")).isEqualTo(5);
        assertThat(lifetime.get("period").s()).isEqualTo("NONE");
        assertThat(lifetime.get("overLimit").s()).isEqualTo("RECORD_OVERAGE");
        assertThat(lifetime).as("NONE has no period end").doesNotContainKey("periodEnd");

        ledger.send(id, new DeactivateEntitlement(id, Instant.now()), Map.of());
        assertThat(awaitItem(id, item -> n(item, "version") == 4).get("active").bool())
                .isFalse();

        ledger.send(id, new ChangeUsagePolicy(id, null, Instant.now()), Map.of());
        Map<String, AttributeValue> untracked = awaitItem(id, item -> n(item, "version") == 5);
        assertThat(untracked)
                .doesNotContainKeys("usageLimit", "usageCount", "overLimit", "period", "periodStart", "periodEnd");
        ledger.send(id, new ActivateEntitlement(id, Instant.now()), Map.of());
        assertThat(awaitItem(id, item -> n(item, "version") == 6).get("active").bool())
                .isTrue();
    }

    @Test
    void an_entitlement_without_usage_tracking_has_no_usage_attributes() {
        EntitlementId id = EntitlementId.of("table-untracked", "ACCESS_DASHBOARD");
        ledger.send(id, new GrantEntitlement(id, true, null, Instant.now()), Map.of());
        assertThat(awaitItem(id, item -> true))
                .containsKeys("active", "version", "generation", "updatedAt")
                .doesNotContainKeys("usageLimit", "usageCount", "periodStart", "periodEnd");
    }

    @Test
    void duplicate_and_out_of_order_writes_of_the_same_events_change_nothing() {
        EntitlementId id = EntitlementId.of("table-dup", "AI_TUTOR_ACCESS");
        ledger.send(
                id,
                new GrantEntitlement(
                        id, true, new UsagePolicy(100, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                Map.of());
        for (int i = 0; i < 3; i++) {
            ledger.consume(new ConsumeUsage(id, 10, Instant.now(), "d-" + i, Map.of(), null));
        }
        Map<String, AttributeValue> current = awaitItem(id, item -> n(item, "version") == 3);
        long generation = rebuilds.activeGeneration("entitlement-table");
        double skipsBefore = table.conditionSkips();

        Instant start = Instant.parse(current.get("periodStart").s());
        UsagePolicy policy = new UsagePolicy(100, Period.NONE, null, OverLimit.REJECT);
        ItemChange redeliveredGrant = new ItemChange("table-dup", "AI_TUTOR_ACCESS")
                .apply(new EntitlementGranted("table-dup", "AI_TUTOR_ACCESS", true, policy, start, null, start), 0);
        ItemChange staleUsage = new ItemChange("table-dup", "AI_TUTOR_ACCESS")
                .apply(
                        new UsageConsumed(
                                "table-dup",
                                "AI_TUTOR_ACCESS",
                                10,
                                start,
                                start,
                                null,
                                10L,
                                100,
                                false,
                                "d-0",
                                null,
                                Map.of()),
                        1);
        ItemChange sameEventAgain = new ItemChange("table-dup", "AI_TUTOR_ACCESS")
                .apply(
                        new UsageConsumed(
                                "table-dup",
                                "AI_TUTOR_ACCESS",
                                10,
                                start,
                                start,
                                null,
                                30L,
                                100,
                                false,
                                "d-2",
                                null,
                                Map.of()),
                        3);
        assertThat(table.write(redeliveredGrant, generation)).isFalse();
        assertThat(table.write(staleUsage, generation)).isFalse();
        assertThat(table.write(sameEventAgain, generation)).isFalse();

        Map<String, AttributeValue> after =
                TableItems.get(table, "table-dup", "AI_TUTOR_ACCESS").orElseThrow();
        assertThat(n(after, "usageCount")).isEqualTo(30);
        assertThat(n(after, "version")).isEqualTo(3);
        assertThat(after.get("updatedAt")).isEqualTo(current.get("updatedAt"));
        assertThat(table.conditionSkips()).isEqualTo(skipsBefore + 3);
    }

    @Test
    void a_processor_that_is_behind_writes_once_per_entitlement_per_batch_not_once_per_event() {
        EntitlementId id = EntitlementId.of("table-coalesce", "AI_TUTOR_ACCESS");
        StreamingEventProcessor processor = rebuilds.processor("entitlement-table");
        processor.shutdownAsync().join();
        int usages = 60;
        double writesBefore;
        try {
            ledger.send(
                    id,
                    new GrantEntitlement(
                            id, true, new UsagePolicy(10_000, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                    Map.of());
            for (int i = 0; i < usages; i++) {
                ledger.consume(new ConsumeUsage(id, 1, Instant.now(), "c-" + i, Map.of(), null));
            }
            writesBefore = table.writes();
        } finally {
            processor.start();
        }
        Map<String, AttributeValue> item = awaitItem(id, it -> n(it, "version") == usages);
        assertThat(n(item, "usageCount")).isEqualTo(usages);
        double writes = table.writes() - writesBefore;
        assertThat(writes)
                .as("61 events of one entitlement caught up in batches of up to 100")
                .isGreaterThanOrEqualTo(1)
                .isLessThanOrEqualTo(3);
    }

    @Test
    void the_admin_api_reports_status_and_drift_and_refuses_unknown_projections() {
        var statuses = http.getForObject("/api/v1/admin/projections", com.fasterxml.jackson.databind.JsonNode.class);
        var dynamodb = statuses.get("projections").get(0);
        assertThat(dynamodb.get("projection").asText()).isEqualTo("dynamodb");
        assertThat(dynamodb.get("processor").asText()).isEqualTo("entitlement-table");
        assertThat(dynamodb.has("lagEvents")).isTrue();
        assertThat(dynamodb.has("replayProgressPercent")).isTrue();
        assertThat(dynamodb.get("segments").asInt()).isEqualTo(4);

        var unknown = http.postForEntity(
                "/api/v1/admin/projections/nosuch/rebuild", null, com.fasterxml.jackson.databind.JsonNode.class);
        assertThat(unknown.getStatusCode().value()).isEqualTo(400);
        assertThat(unknown.getBody().get("code").asText()).isEqualTo("UNKNOWN_PROJECTION");
        var badLimit = http.getForEntity(
                "/api/v1/admin/projections/dynamodb/drift?limit=abc", com.fasterxml.jackson.databind.JsonNode.class);
        assertThat(badLimit.getStatusCode().value()).isEqualTo(400);
        assertThat(badLimit.getBody().get("code").asText()).isEqualTo("INVALID_PARAMETER");
    }
}
