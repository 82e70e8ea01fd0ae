package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * Part or all of a counted usage was reversed; nothing is deleted, the original stays and this event links to it by
 * {@code reversalOf} (its dedup key). It carries the original's {@code occurredAt} and window, the {@code amount}
 * reversed, what is left unreversed of the original ({@code remaining}), the reason and the caller. {@code usedAfter}
 * is the count of the entitlement's tracked window afterwards when the original was counted in it, {@code null} when
 * it belongs to an earlier window (whose total drops, while the current count does not change). {@code current}: the
 * original's window was the current one when the reversal was made.
 */
@Revision("1")
public record UsageReversed(
        String userId,
        String entitlementKey,
        String reversalId,
        String reversalOf,
        long amount,
        long remaining,
        Instant originalOccurredAt,
        Instant periodStart,
        Instant periodEnd,
        boolean current,
        Long usedAfter,
        String reason,
        String caller,
        Instant reversedAt) {}
