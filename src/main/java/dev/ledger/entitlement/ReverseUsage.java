package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Reverses {@code amount} units of the usage counted under {@code dedupKey} ({@code null}: all that is left of it).
 * {@code original} is what was counted under that key on this entitlement, or {@code null} when nothing was; the
 * sender looks it up, since what was counted never changes. A {@code dryRun} decides and answers but emits nothing.
 */
public record ReverseUsage(
        @TargetAggregateIdentifier EntitlementId id,
        String reversalId,
        String dedupKey,
        CountedUsage original,
        Long amount,
        String reason,
        String caller,
        Instant at,
        boolean dryRun)
        implements EntitlementCommand {

    public ReverseUsage {
        Reason.required(reason);
        if (amount != null && (amount < 1 || amount > ConsumeUsage.MAX_AMOUNT)) {
            throw new InvalidInput(
                    "INVALID_AMOUNT",
                    "amount must be an integer from 1 to " + ConsumeUsage.MAX_AMOUNT + ", got " + amount);
        }
        if (dedupKey == null || dedupKey.isEmpty()) {
            throw new InvalidInput("INVALID_DEDUP_KEY", "dedupKey is required: the key the usage was counted under");
        }
        if (original != null && !original.dedupKey().equals(dedupKey)) {
            throw new IllegalArgumentException("the original " + original + " is not the usage of " + dedupKey);
        }
    }
}
