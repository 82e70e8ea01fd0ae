package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Brings an entitlement that another system kept (the shared entitlements table) into the ledger. {@code usage} is
 * {@code null} without usage tracking; otherwise {@code periodStart}, where that system's current window started,
 * becomes the policy's anchor (any anchor in {@code usage} is replaced), and {@code used} is the count it had reached
 * in that window. {@code importedFrom} names
 * the source, {@code importedBy} the caller.
 */
public record ImportEntitlement(
        @TargetAggregateIdentifier EntitlementId id,
        boolean active,
        UsagePolicy usage,
        long used,
        Instant periodStart,
        String importedFrom,
        String importedBy,
        Instant at)
        implements EntitlementCommand {

    public ImportEntitlement {
        if (used < 0) {
            throw new InvalidInput("INVALID_USAGE_COUNT", "usageCount must be >= 0, got " + used);
        }
        if (usage != null && periodStart == null) {
            throw new InvalidInput("INVALID_PERIOD_START", "periodStart is required with usage tracking");
        }
        if (importedFrom == null || importedFrom.isBlank()) {
            throw new InvalidInput("INVALID_SOURCE", "importedFrom names the table imported from and is required");
        }
        if (at == null) {
            throw new InvalidInput("INVALID_TIME", "the time of the import is required");
        }
    }
}
