package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * An entitlement was imported from a table another system kept. It starts the entitlement like a grant, but with an
 * opening balance: {@code used} is the count of the window {@code [periodStart, periodEnd)} at the import (0 when the
 * source's window had already ended). The imported count is not a consumption and no {@link UsageConsumed} stands for
 * it. {@code usage} is {@code null} without usage tracking, and so are the period bounds.
 */
@Revision("1")
public record EntitlementImported(
        String userId,
        String entitlementKey,
        boolean active,
        UsagePolicy usage,
        long used,
        Instant periodStart,
        Instant periodEnd,
        String importedFrom,
        String importedBy,
        Instant importedAt) {}
