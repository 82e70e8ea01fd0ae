package dev.ledger.projection.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.projection.Projection;
import dev.ledger.projection.Rebuilds;
import dev.ledger.projection.RenamedUsageUpcaster;
import dev.ledger.projection.WholeProjection;
import dev.ledger.projection.WholeProjectionTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.axonframework.config.Configuration;
import org.axonframework.serialization.SerializedObject;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The drift check and the rebuild read events as the projections do, through the upcaster chain ({@code EventLog}):
 * an event stored under an old type name, which an upcaster turns into {@code UsageConsumed}
 * ({@link RenamedUsageUpcaster}, in the application of {@link WholeProjectionTest}), counts for drift and for the
 * rebuilt item exactly as it counts for the processor. Without the chain, drift would report a difference that does
 * not exist, and the rebuild would write the item without that usage.
 */
@WholeProjectionTest
class DriftUpcastingTest {

    @Autowired
    ConfigurableApplicationContext app;

    @Test
    void drift_and_rebuild_see_an_upcast_event_as_the_projection_does() {
        JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
        long entitlements = WholeProjection.entitlements(jdbc) + 1;
        EntitlementId id = EntitlementId.of("upcast-user", "AI_TUTOR_ACCESS");
        app.getBean(Ledger.class)
                .send(
                        id,
                        new GrantEntitlement(
                                id, true, new UsagePolicy(100, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                        Map.of());
        EntitlementTable table = app.getBean(EntitlementTable.class);
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        TableItems.get(table, id.userId(), id.entitlementKey()).isPresent());
        Instant periodStart = Instant.parse(TableItems.get(table, id.userId(), id.entitlementKey())
                .orElseThrow()
                .get("periodStart")
                .s());
        // a usage event from before a rename: the stored type is the old name, the payload today's shape
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        SerializedObject<byte[]> payload = app.getBean(Configuration.class)
                .eventSerializer()
                .serialize(
                        new UsageConsumed(
                                id.userId(),
                                id.entitlementKey(),
                                7,
                                now,
                                periodStart,
                                null,
                                7L,
                                100,
                                false,
                                "legacy-1",
                                null,
                                Map.of()),
                        byte[].class);
        jdbc.update(
                """
                INSERT INTO domain_event_entry (global_index, event_identifier, meta_data, payload, payload_revision,
                    payload_type, time_stamp, aggregate_identifier, sequence_number, type)
                VALUES (nextval('domain_event_entry_seq'), ?, convert_to('{}', 'UTF8'), ?, NULL, ?, ?, ?, 1,
                    'Entitlement')""",
                UUID.randomUUID().toString(),
                payload.getData(),
                RenamedUsageUpcaster.LEGACY_TYPE,
                now.toString(),
                id.toString());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> TableItems.get(table, id.userId(), id.entitlementKey())
                        .map(item -> item.get("usageCount").n())
                        .orElse("")
                        .equals("7"));

        DriftCheck.Report report = app.getBean(DriftCheck.class).run(100);

        assertThat(report.drift())
                .as("the table and the upcast events agree (this class's entitlement and the classes' before it)")
                .isEmpty();
        assertThat(report.checked()).isEqualTo(entitlements);

        Rebuilds rebuilds = app.getBean(Rebuilds.class);
        long generation = rebuilds.rebuild(Projection.DYNAMODB, "test", Duration.ofSeconds(30));
        rebuilds.awaitBulk(Projection.DYNAMODB);
        Map<String, AttributeValue> rebuilt =
                TableItems.get(table, id.userId(), id.entitlementKey()).orElseThrow();
        assertThat(rebuilt.get("generation").n()).as("written by the rebuild").isEqualTo(Long.toString(generation));
        assertThat(rebuilt.get("usageCount").n())
                .as("the rebuilt item counts the upcast usage")
                .isEqualTo("7");
    }
}
