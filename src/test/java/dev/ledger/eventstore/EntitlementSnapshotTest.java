package dev.ledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledger.entitlement.Entitlement;
import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.PeriodReset;
import dev.ledger.entitlement.SourcedEntitlements;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.entitlement.UsageReversed;
import java.time.Instant;
import java.util.Map;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.json.JacksonSerializer;
import org.junit.jupiter.api.Test;

/**
 * Snapshots carry what the aggregate decides late usage and reversals with: each earlier window's total and how much of
 * each usage has been reversed. The aggregate is revision 2, so Axon ignores snapshots of revision 1 (which lack both)
 * and sources such an entitlement from its events instead.
 */
class EntitlementSnapshotTest {

    private static final Instant FEB_START = Instant.parse("2025-01-31T15:00:00Z");
    private static final Instant FEB_END = Instant.parse("2025-02-28T15:00:00Z");
    private static final Instant MAR_END = Instant.parse("2025-03-31T15:00:00Z");

    @Test
    void a_snapshot_round_trips_the_window_totals_and_the_reversed_amounts_as_revision_2() {
        Entitlement entitlement = SourcedEntitlements.from(
                new EntitlementGranted(
                        "u",
                        "AI_TUTOR_ACCESS",
                        true,
                        new UsagePolicy(100, Period.MONTHLY, FEB_START, OverLimit.REJECT),
                        FEB_START,
                        FEB_END,
                        FEB_START),
                new UsageConsumed(
                        "u",
                        "AI_TUTOR_ACCESS",
                        40,
                        FEB_START,
                        FEB_START,
                        FEB_END,
                        40L,
                        100,
                        false,
                        "k1",
                        null,
                        Map.of()),
                new PeriodReset(
                        "u",
                        "AI_TUTOR_ACCESS",
                        FEB_START,
                        FEB_END,
                        40,
                        FEB_END,
                        MAR_END,
                        PeriodReset.Reason.LAZY,
                        FEB_END),
                new UsageReversed(
                        "u",
                        "AI_TUTOR_ACCESS",
                        "r1",
                        "k1",
                        15,
                        25,
                        FEB_START,
                        FEB_START,
                        FEB_END,
                        false,
                        null,
                        "refund",
                        "support",
                        FEB_END));

        JacksonSerializer serializer = AxonConfiguration.jackson();
        SerializedObject<byte[]> snapshot = serializer.serialize(entitlement, byte[].class);
        assertThat(snapshot.getType().getRevision()).isEqualTo("2");
        String json = new String(snapshot.getData(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(json)
                .contains("\"windowTotals\":{\"2025-01-31T15:00:00Z\":25}")
                .contains("\"reversed\":{\"k1\":15}");

        Entitlement restored = serializer.deserialize(snapshot);
        assertThat(restored).usingRecursiveComparison().isEqualTo(entitlement);
    }
}
