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
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.axonframework.config.Configuration;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.EventUpcaster;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The drift check and the rebuild read events as the projections do, through the upcaster chain ({@code EventLog}):
 * an event stored under an old type name, which an upcaster turns into {@code UsageConsumed}, counts for drift and for
 * the rebuilt item exactly as it counts for the processor. Without the chain, drift would report a difference that
 * does not exist, and the rebuild would write the item without that usage.
 */
class DriftUpcastingTest {

    static final String LEGACY_TYPE = "dev.ledger.legacy.UsageRecorded";

    /** An upcaster as the first event change would bring one: an old type name becomes {@code UsageConsumed}. */
    static final class RenamedUsageUpcaster extends SingleEventUpcaster {
        @Override
        protected boolean canUpcast(IntermediateEventRepresentation representation) {
            return representation.getType().getName().equals(LEGACY_TYPE);
        }

        @Override
        protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
            return representation.upcastPayload(
                    new SimpleSerializedType(UsageConsumed.class.getName(), null), byte[].class, Function.identity());
        }
    }

    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class LegacyEvents {
        @Bean
        EventUpcaster renamedUsageUpcaster() {
            return new RenamedUsageUpcaster();
        }
    }

    @Test
    void drift_and_rebuild_see_an_upcast_event_as_the_projection_does() {
        try (ConfigurableApplicationContext app = LedgerInstances.startWith(
                new Class<?>[] {LegacyEvents.class}, TestDatabase.newDatabase(), "ledger.environment=upcast")) {
            EntitlementId id = EntitlementId.of("upcast-user", "AI_TUTOR_ACCESS");
            app.getBean(Ledger.class)
                    .send(
                            id,
                            new GrantEntitlement(
                                    id, true, new UsagePolicy(100, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                            Map.of());
            EntitlementTable table = app.getBean(EntitlementTable.class);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> TableItems.get(table, id.userId(), id.entitlementKey())
                            .isPresent());
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
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            jdbc.update(
                    """
                    INSERT INTO domain_event_entry (global_index, event_identifier, meta_data, payload, payload_revision,
                        payload_type, time_stamp, aggregate_identifier, sequence_number, type)
                    VALUES (nextval('domain_event_entry_seq'), ?, convert_to('{}', 'UTF8'), ?, NULL, ?, ?, ?, 1,
                        'Entitlement')""", UUID.randomUUID().toString(), payload.getData(), LEGACY_TYPE, now.toString(), id.toString());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> TableItems.get(table, id.userId(), id.entitlementKey())
                            .map(item -> item.get("usageCount").n())
                            .orElse("")
                            .equals("7"));

            DriftCheck.Report report = app.getBean(DriftCheck.class).run(100);

            assertThat(report.drift())
                    .as("the table and the upcast events agree")
                    .isEmpty();
            assertThat(report.checked()).isEqualTo(1);

            Rebuilds rebuilds = app.getBean(Rebuilds.class);
            long generation = rebuilds.rebuild(Projection.DYNAMODB, "test", Duration.ofSeconds(30));
            rebuilds.awaitBulk(Projection.DYNAMODB);
            Map<String, AttributeValue> rebuilt =
                    TableItems.get(table, id.userId(), id.entitlementKey()).orElseThrow();
            assertThat(rebuilt.get("generation").n())
                    .as("written by the rebuild")
                    .isEqualTo(Long.toString(generation));
            assertThat(rebuilt.get("usageCount").n())
                    .as("the rebuilt item counts the upcast usage")
                    .isEqualTo("7");
        }
    }
}
