package dev.ledger.importing;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads one item of a table in the ledger's own table contract (README, "The DynamoDB entitlements table") as
 * something to import, or says why it cannot be. {@code generation}, {@code version} and {@code periodEnd} are not read:
 * the window follows from {@code periodStart} and {@code period}. Without {@code usageLimit} and {@code period} the
 * entitlement has no usage tracking; a missing {@code overLimit} is {@code REJECT}, a missing {@code usageCount} 0.
 */
sealed interface SourceItem {

    /** An item that becomes an import: {@code usage} has no anchor yet, {@code periodStart} becomes it. */
    record Valid(EntitlementId id, boolean active, UsagePolicy usage, long used, Instant periodStart)
            implements SourceItem {}

    /** An item that is not imported, and why. The ids are as found (either may be {@code null}). */
    record Invalid(String userId, String entitlementKey, String reason) implements SourceItem {}

    static SourceItem read(Map<String, AttributeValue> item) {
        String userId = string(item.get("userId"));
        String key = string(item.get("entitlementKey"));
        try {
            return new Reader(item).read(userId, key);
        } catch (Problem problem) {
            return new Invalid(userId, key, problem.getMessage());
        }
    }

    private static String string(AttributeValue value) {
        return value == null ? null : value.s();
    }

    /** Why an item cannot be imported; only used to leave {@link Reader#read} early. */
    final class Problem extends RuntimeException {
        Problem(String reason) {
            super(reason, null, false, false);
        }
    }

    final class Reader {
        private final Map<String, AttributeValue> item;

        private Reader(Map<String, AttributeValue> item) {
            this.item = item;
        }

        private SourceItem read(String userId, String key) {
            if (userId == null) {
                throw new Problem("userId is missing or not a string");
            }
            if (key == null) {
                throw new Problem("entitlementKey is missing or not a string");
            }
            String problem = EntitlementId.userIdProblem(userId);
            if (problem == null) {
                problem = EntitlementId.keyProblem(key);
            }
            if (problem != null) {
                throw new Problem(problem);
            }
            AttributeValue active = item.get("active");
            if (active == null || active.bool() == null) {
                throw new Problem("active is missing or not a boolean");
            }
            boolean tracked = item.containsKey("usageLimit") || item.containsKey("period");
            if (!tracked) {
                return new Valid(EntitlementId.of(userId, key), active.bool(), null, 0, null);
            }
            long limit = number("usageLimit", true);
            long used = number("usageCount", false);
            Period period = named(Period.class, "period", true);
            OverLimit overLimit = named(OverLimit.class, "overLimit", false);
            Instant periodStart = instant("periodStart");
            return new Valid(
                    EntitlementId.of(userId, key),
                    active.bool(),
                    new UsagePolicy(limit, period, null, overLimit == null ? OverLimit.REJECT : overLimit),
                    used,
                    periodStart);
        }

        private long number(String name, boolean required) {
            AttributeValue value = item.get(name);
            if (value == null) {
                if (required) {
                    throw new Problem(name + " is missing");
                }
                return 0;
            }
            if (value.n() == null) {
                throw new Problem(name + " must be a number (N), got " + value.type());
            }
            long number;
            try {
                number = Long.parseLong(value.n());
            } catch (NumberFormatException e) {
                throw new Problem(name + " must be a whole number, got " + value.n());
            }
            if (number < 0) {
                throw new Problem(name + " must be >= 0, got " + number);
            }
            return number;
        }

        private <E extends Enum<E>> E named(Class<E> type, String name, boolean required) {
            AttributeValue value = item.get(name);
            if (value == null) {
                if (required) {
                    throw new Problem(name + " is missing");
                }
                return null;
            }
            if (value.s() == null) {
                throw new Problem(name + " must be a string, got " + value.type());
            }
            try {
                return Enum.valueOf(type, value.s());
            } catch (IllegalArgumentException e) {
                throw new Problem(
                        "unknown " + name + " '" + value.s() + "'; one of " + Arrays.toString(type.getEnumConstants()));
            }
        }

        private Instant instant(String name) {
            AttributeValue value = item.get(name);
            if (value == null || value.s() == null) {
                throw new Problem(name + " is missing or not a string; it is required with usage tracking");
            }
            try {
                return Instant.parse(value.s());
            } catch (DateTimeParseException e) {
                throw new Problem(name + " must be an ISO-8601 UTC time, got '" + value.s() + "'");
            }
        }
    }
}
