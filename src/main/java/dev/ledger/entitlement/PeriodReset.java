package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * The usage count went back to zero. {@code LAZY}: usage arrived at or after the end of the period, and the new window is
 * the one that contains that usage, however many periods were skipped. {@code MANUAL}: an operator reset the count and
 * the window stays the same.
 */
@Revision("1")
public record PeriodReset(
        String userId,
        String entitlementKey,
        Instant previousPeriodStart,
        Instant previousPeriodEnd,
        long previousUsage,
        Instant periodStart,
        Instant periodEnd,
        Reason reason,
        Instant resetAt) {

    public enum Reason {
        LAZY,
        MANUAL
    }
}
