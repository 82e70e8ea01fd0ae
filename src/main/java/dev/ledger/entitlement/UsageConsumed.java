package dev.ledger.entitlement;

import java.time.Instant;
import java.util.Map;
import org.axonframework.serialization.Revision;

/**
 * Usage was counted. Self-contained for billing and support: the period it was counted in, the count of that period
 * after it ({@code null} for late usage, whose closed period is not tracked), the limit in force, and where it came from.
 * {@code late} usage happened in an already closed period and did not change the current count.
 */
@Revision("1")
public record UsageConsumed(
        String userId,
        String entitlementKey,
        long amount,
        Instant occurredAt,
        Instant periodStart,
        Instant periodEnd,
        Long usedAfter,
        long limit,
        boolean late,
        String dedupKey,
        String sourceMessageId,
        Map<String, Object> metadata) {}
