package dev.ledger.command;

import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.PeriodWindow;
import dev.ledger.entitlement.UsagePolicy;
import java.time.Instant;

/**
 * An entitlement as stored: {@code policy}, {@code window} and {@code used} are {@code null}/0 without usage tracking.
 * {@code version} is the aggregate sequence number of the last event applied.
 */
public record EntitlementState(
        String userId,
        String entitlementKey,
        boolean active,
        UsagePolicy policy,
        PeriodWindow window,
        long used,
        long version,
        Instant updatedAt) {

    /** The state as a reader at {@code now} sees it: a period that has passed reads as a new period with 0 used. */
    public EntitlementState asOf(Instant now) {
        if (policy == null || window == null || !window.hasEndedBy(now)) {
            return this;
        }
        PeriodWindow current = policy.windowContaining(now, window.start());
        return new EntitlementState(userId, entitlementKey, active, policy, current, 0, version, updatedAt);
    }

    static UsagePolicy policy(Long limit, String period, Instant anchor, String overLimit) {
        if (period == null) {
            return null;
        }
        return new UsagePolicy(limit, Period.valueOf(period), anchor, OverLimit.valueOf(overLimit));
    }
}
