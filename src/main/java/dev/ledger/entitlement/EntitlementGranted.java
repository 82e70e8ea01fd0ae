package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/** An entitlement was granted. {@code usage} is {@code null} without usage tracking, and so are the period bounds. */
@Revision("1")
public record EntitlementGranted(
        String userId,
        String entitlementKey,
        boolean active,
        UsagePolicy usage,
        Instant periodStart,
        Instant periodEnd,
        Instant grantedAt) {}
