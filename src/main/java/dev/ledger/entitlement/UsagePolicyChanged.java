package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * The usage policy was replaced. Carries the resulting period and count: a change of limit or over-limit behaviour keeps
 * the current window and count; a change of period or anchor starts the window that contains {@code changedAt}, and
 * the count carries over only if that window is the same as before. {@code usage} is {@code null} when tracking was removed.
 */
@Revision("1")
public record UsagePolicyChanged(
        String userId,
        String entitlementKey,
        UsagePolicy usage,
        Instant periodStart,
        Instant periodEnd,
        long used,
        Instant changedAt) {}
