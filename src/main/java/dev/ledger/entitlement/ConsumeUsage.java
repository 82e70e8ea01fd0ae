package dev.ledger.entitlement;

import java.time.Instant;
import java.util.Map;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Records {@code amount} units of usage that happened at {@code occurredAt}. {@code dedupKey} makes the command
 * idempotent forever: a second command with a key the entitlement has already counted is a no-op success.
 */
public record ConsumeUsage(
        @TargetAggregateIdentifier EntitlementId id,
        long amount,
        Instant occurredAt,
        String dedupKey,
        Map<String, Object> metadata,
        String sourceMessageId)
        implements EntitlementCommand {

    public static final long MAX_AMOUNT = 1_000_000_000L;

    public ConsumeUsage {
        if (amount < 1 || amount > MAX_AMOUNT) {
            throw new InvalidInput(
                    "INVALID_AMOUNT", "amount must be an integer from 1 to " + MAX_AMOUNT + ", got " + amount);
        }
        if (occurredAt == null) {
            throw new InvalidInput("INVALID_OCCURRED_AT", "occurredAt is required");
        }
        if (dedupKey == null || dedupKey.isEmpty()) {
            throw new InvalidInput("INVALID_DEDUP_KEY", "dedupKey is required");
        }
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
