package dev.ledger.web;

import dev.ledger.entitlement.Instants;
import dev.ledger.entitlement.InvalidInput;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import java.time.Instant;
import java.util.Arrays;

/** A usage policy as sent over HTTP: {@code {"limit":100,"period":"MONTHLY","anchor":"…","overLimit":"REJECT"}}. */
public record UsageRequest(Long limit, String period, String anchor, String overLimit) {

    UsagePolicy toPolicy() {
        if (limit == null) {
            throw new InvalidInput("INVALID_LIMIT", "usage.limit is required: an integer >= 0");
        }
        return new UsagePolicy(limit, parsedPeriod(), parsedAnchor(), parsedOverLimit());
    }

    private Period parsedPeriod() {
        if (period == null) {
            throw new InvalidInput(
                    "INVALID_PERIOD", "usage.period is required: one of " + Arrays.toString(Period.values()));
        }
        try {
            return Period.valueOf(period);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(
                    "INVALID_PERIOD",
                    "usage.period must be one of " + Arrays.toString(Period.values()) + ", got '" + period + "'");
        }
    }

    private Instant parsedAnchor() {
        if (anchor == null) {
            return null;
        }
        return Instants.parse(anchor)
                .orElseThrow(() -> new InvalidInput(
                        "INVALID_ANCHOR",
                        "usage.anchor must be an "
                                + "ISO-8601 instant from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, such as 2025-01-31T15:00:00Z, got '"
                                + anchor + "'"));
    }

    private OverLimit parsedOverLimit() {
        if (overLimit == null) {
            return OverLimit.REJECT;
        }
        try {
            return OverLimit.valueOf(overLimit);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(
                    "INVALID_OVER_LIMIT",
                    "usage.overLimit must be one of " + Arrays.toString(OverLimit.values()) + ", got '" + overLimit
                            + "'");
        }
    }
}
