package dev.ledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.entitlement.EntitlementActivated;
import dev.ledger.entitlement.EntitlementDeactivated;
import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.EntitlementImported;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.PeriodReset;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.entitlement.UsagePolicyChanged;
import dev.ledger.entitlement.UsageReversed;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.SimpleSerializedObject;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.json.JacksonSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every event type has a stored JSON fixture of revision 1 under {@code src/test/resources/events}. Events in the store
 * never change: if an event's shape changes, these tests fail, and the change needs a new revision and an upcaster.
 */
class EventFixturesTest {

    private final JacksonSerializer serializer = AxonConfiguration.jackson();
    private final ObjectMapper json = new ObjectMapper();

    static Stream<Arguments> events() {
        Instant anchor = Instant.parse("2025-01-31T15:00:00Z");
        return Stream.of(
                Arguments.of(new EntitlementGranted(
                        "user-123",
                        "AI_TUTOR_ACCESS",
                        true,
                        new UsagePolicy(100, Period.MONTHLY, anchor, OverLimit.REJECT),
                        anchor,
                        Instant.parse("2025-02-28T15:00:00Z"),
                        Instant.parse("2025-02-01T09:00:00Z"))),
                Arguments.of(new EntitlementImported(
                        "user-123",
                        "AI_TUTOR_ACCESS",
                        true,
                        new UsagePolicy(100, Period.MONTHLY, anchor, OverLimit.REJECT),
                        37,
                        anchor,
                        Instant.parse("2025-02-28T15:00:00Z"),
                        "access-service-entitlements",
                        "admin",
                        Instant.parse("2025-02-10T12:00:00Z"))),
                Arguments.of(new UsagePolicyChanged(
                        "user-123",
                        "AI_TUTOR_ACCESS",
                        new UsagePolicy(10, Period.DAILY, null, OverLimit.RECORD_OVERAGE),
                        Instant.parse("2025-02-10T00:00:00Z"),
                        Instant.parse("2025-02-11T00:00:00Z"),
                        3,
                        Instant.parse("2025-02-10T13:00:00Z"))),
                Arguments.of(new EntitlementDeactivated(
                        "user-123", "AI_TUTOR_ACCESS", Instant.parse("2025-02-11T08:00:00Z"))),
                Arguments.of(
                        new EntitlementActivated("user-123", "AI_TUTOR_ACCESS", Instant.parse("2025-02-12T08:00:00Z"))),
                Arguments.of(new PeriodReset(
                        "user-123",
                        "AI_TUTOR_ACCESS",
                        anchor,
                        Instant.parse("2025-02-28T15:00:00Z"),
                        40,
                        Instant.parse("2025-07-31T15:00:00Z"),
                        Instant.parse("2025-08-31T15:00:00Z"),
                        PeriodReset.Reason.LAZY,
                        Instant.parse("2025-08-13T00:00:00Z"))),
                Arguments.of(new UsageConsumed(
                        "user-123",
                        "AI_TUTOR_ACCESS",
                        2,
                        Instant.parse("2025-08-13T00:00:00Z"),
                        Instant.parse("2025-07-31T15:00:00Z"),
                        Instant.parse("2025-08-31T15:00:00Z"),
                        2L,
                        100,
                        false,
                        "order-991",
                        "5fea7756-0ea4-451a-a703-a558b933e274",
                        Map.of("source", "api", "tokens", 512, "beta", true))),
                Arguments.of(new UsageReversed(
                        "user-123",
                        "AI_TUTOR_ACCESS",
                        "3b6f0f4e-8a57-4c43-9d0e-2f4b7c1a9e55",
                        "order-991",
                        2,
                        0,
                        Instant.parse("2025-08-13T00:00:00Z"),
                        Instant.parse("2025-07-31T15:00:00Z"),
                        Instant.parse("2025-08-31T15:00:00Z"),
                        true,
                        0L,
                        "duplicate charge, ticket 4411",
                        "support-1",
                        Instant.parse("2025-08-14T10:00:00Z"))));
    }

    @ParameterizedTest
    @MethodSource("events")
    void the_stored_fixture_deserializes_to_the_event(Object expected) throws IOException {
        byte[] fixture = fixture(expected.getClass());
        SerializedObject<byte[]> stored = new SimpleSerializedObject<>(
                fixture,
                byte[].class,
                new SimpleSerializedType(expected.getClass().getName(), "1"));
        Object event = serializer.deserialize(stored);
        assertThat(event).isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("events")
    void the_event_serializes_to_the_stored_fixture_with_revision_1(Object event) throws IOException {
        SerializedObject<byte[]> serialized = serializer.serialize(event, byte[].class);
        assertThat(serialized.getType().getRevision()).isEqualTo("1");
        JsonNode actual = json.readTree(serialized.getData());
        JsonNode expected = json.readTree(fixture(event.getClass()));
        assertThat(actual).isEqualTo(expected);
    }

    private byte[] fixture(Class<?> type) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/events/" + type.getSimpleName() + ".json")) {
            assertThat(in).as("fixture for %s", type.getSimpleName()).isNotNull();
            return in.readAllBytes();
        }
    }
}
