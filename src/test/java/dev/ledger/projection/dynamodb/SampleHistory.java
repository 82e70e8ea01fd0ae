package dev.ledger.projection.dynamodb;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ChangeUsagePolicy;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.DeactivateEntitlement;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The history the rebuild tests rebuild from: entitlements interleaved use by use, so that a batch holds at most one
 * event of each. Entitlement {@code i} uses {@code 1 + i} units each time. Entitlement 1 gets a new limit (5,000) and
 * over-limit rule ({@code RECORD_OVERAGE}) early, which must survive the changes after it; entitlement 2 ends
 * inactive. That is {@code entitlements * (1 + uses) + 2} events.
 */
final class SampleHistory {

    private SampleHistory() {}

    static long record(Ledger ledger, IntFunction<EntitlementId> id, int entitlements, int uses) {
        for (int i = 0; i < entitlements; i++) {
            ledger.send(
                    id.apply(i),
                    new GrantEntitlement(
                            id.apply(i),
                            true,
                            new UsagePolicy(1_000, Period.MONTHLY, null, OverLimit.REJECT),
                            Instant.now()),
                    Map.of());
        }
        for (int u = 0; u < uses; u++) {
            for (int i = 0; i < entitlements; i++) {
                ledger.consume(
                        new ConsumeUsage(id.apply(i), 1 + i, Instant.now(), "use-" + i + "-" + u, Map.of(), null));
            }
            if (u == 2) {
                ledger.send(
                        id.apply(1),
                        new ChangeUsagePolicy(
                                id.apply(1),
                                new UsagePolicy(5_000, Period.MONTHLY, null, OverLimit.RECORD_OVERAGE),
                                Instant.now()),
                        Map.of());
            }
        }
        ledger.send(id.apply(2), new DeactivateEntitlement(id.apply(2), Instant.now()), Map.of());
        return entitlements * (1L + uses) + 2;
    }

    /** Units entitlement {@code i} used in the history {@link #record} sends. */
    static long usage(int i, int uses) {
        return (1L + i) * uses;
    }

    /**
     * The item attributes {@link #record} implies for entitlement {@code i}, computed from what it sends rather than read
     * from any projection: the limit and over-limit rule (entitlement 1's change), {@code active} (entitlement 2's
     * deactivation), the period, and {@code usageCount} = {@code used}.
     */
    static Map<String, AttributeValue> sent(int i, long used) {
        return Map.of(
                "active", AttributeValue.fromBool(i != 2),
                "usageLimit", AttributeValue.fromN(i == 1 ? "5000" : "1000"),
                "overLimit", AttributeValue.fromS(i == 1 ? "RECORD_OVERAGE" : "REJECT"),
                "period", AttributeValue.fromS("MONTHLY"),
                "usageCount", AttributeValue.fromN(Long.toString(used)));
    }

    /** An item without what every rebuild changes, to compare it with the item before the rebuild. */
    static Map<String, AttributeValue> withoutRebuildMarks(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> copy = new HashMap<>(item);
        copy.remove("generation");
        copy.remove("updatedAt");
        return copy;
    }
}
