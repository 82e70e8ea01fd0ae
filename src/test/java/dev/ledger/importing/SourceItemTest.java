package dev.ledger.importing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** How one item of an existing table reads as an import, or why it is not imported. */
class SourceItemTest {

    private static final Instant START = Instant.parse("2026-11-20T00:00:00Z");

    private static Map<String, AttributeValue> tracked() {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("userId", AttributeValue.fromS("u-1"));
        item.put("entitlementKey", AttributeValue.fromS("AI_TUTOR_ACCESS"));
        item.put("active", AttributeValue.fromBool(true));
        item.put("usageLimit", AttributeValue.fromN("100"));
        item.put("usageCount", AttributeValue.fromN("42"));
        item.put("overLimit", AttributeValue.fromS("RECORD_OVERAGE"));
        item.put("period", AttributeValue.fromS("MONTHLY"));
        item.put("periodStart", AttributeValue.fromS(START.toString()));
        item.put("periodEnd", AttributeValue.fromS("2026-12-20T00:00:00Z"));
        return item;
    }

    @Test
    void an_item_with_usage_reads_as_its_policy_count_and_window_start() {
        assertThat(SourceItem.read(tracked()))
                .isEqualTo(new SourceItem.Valid(
                        EntitlementId.of("u-1", "AI_TUTOR_ACCESS"),
                        true,
                        new UsagePolicy(100, Period.MONTHLY, null, OverLimit.RECORD_OVERAGE),
                        42,
                        START));
    }

    @Test
    void an_item_without_usage_limit_and_period_has_no_usage_tracking() {
        Map<String, AttributeValue> item = tracked();
        item.keySet()
                .removeAll(java.util.List.of(
                        "usageLimit", "usageCount", "overLimit", "period", "periodStart", "periodEnd"));
        item.put("active", AttributeValue.fromBool(false));
        assertThat(SourceItem.read(item))
                .isEqualTo(new SourceItem.Valid(EntitlementId.of("u-1", "AI_TUTOR_ACCESS"), false, null, 0, null));
    }

    @Test
    void a_missing_over_limit_is_REJECT_and_a_missing_count_is_0() {
        Map<String, AttributeValue> item = tracked();
        item.remove("overLimit");
        item.remove("usageCount");
        SourceItem.Valid valid = (SourceItem.Valid) SourceItem.read(item);
        assertThat(valid.usage().overLimit()).isEqualTo(OverLimit.REJECT);
        assertThat(valid.used()).isZero();
    }

    @ParameterizedTest(name = "{0} = {1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "entitlementKey | S:lower_case  | entitlementKey must match",
                "userId         | S:            | userId is required",
                "active         | -             | active is missing or not a boolean",
                "active         | S:true        | active is missing or not a boolean",
                "usageLimit     | N:-5          | usageLimit must be >= 0, got -5",
                "usageLimit     | -             | usageLimit is missing",
                "usageCount     | S:lots        | usageCount must be a number (N), got S",
                "usageCount     | N:1.5         | usageCount must be a whole number, got 1.5",
                "usageCount     | N:-1          | usageCount must be >= 0",
                "period         | S:FORTNIGHTLY | unknown period 'FORTNIGHTLY'",
                "period         | -             | period is missing",
                "overLimit      | S:SOMETIMES   | unknown overLimit 'SOMETIMES'",
                "periodStart    | S:yesterday   | periodStart must be an ISO-8601 UTC time, got 'yesterday'",
                "periodStart    | -             | periodStart is missing"
            })
    void an_item_that_breaks_the_contract_is_invalid_with_the_reason(String attribute, String value, String reason) {
        Map<String, AttributeValue> item = tracked();
        if (value.equals("-")) {
            item.remove(attribute);
        } else {
            String text = value.substring(2);
            item.put(attribute, value.startsWith("N:") ? AttributeValue.fromN(text) : AttributeValue.fromS(text));
        }
        assertThat(SourceItem.read(item)).isInstanceOfSatisfying(SourceItem.Invalid.class, invalid -> {
            assertThat(invalid.reason()).contains(reason);
            assertThat(invalid.userId()).isEqualTo(attribute.equals("userId") ? "" : "u-1");
        });
    }
}
