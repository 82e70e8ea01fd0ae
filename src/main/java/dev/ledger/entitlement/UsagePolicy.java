package dev.ledger.entitlement;

import java.time.Instant;

/**
 * How usage of an entitlement is counted: at most {@code limit} units per {@code period}, whose boundaries are computed
 * from {@code anchor} (or calendar-aligned in UTC when there is none).
 */
public record UsagePolicy(long limit, Period period, Instant anchor, OverLimit overLimit) {

    public UsagePolicy {
        if (limit < 0) {
            throw new InvalidInput("INVALID_LIMIT", "usage limit must be >= 0, got " + limit);
        }
        if (period == null) {
            throw new InvalidInput(
                    "INVALID_PERIOD", "usage period is required (DAILY, WEEKLY, MONTHLY, YEARLY or NONE)");
        }
        if (overLimit == null) {
            overLimit = OverLimit.REJECT;
        }
    }

    /** The window that contains {@code instant}; for {@code NONE}, the single window starting at {@code origin}. */
    public PeriodWindow windowContaining(Instant instant, Instant origin) {
        if (period == Period.NONE) {
            return new PeriodWindow(anchor != null ? anchor : origin, null);
        }
        return PeriodCalendar.windowContaining(period, anchor, instant);
    }
}
