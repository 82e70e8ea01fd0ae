package dev.ledger.entitlement;

import java.time.Instant;

/**
 * The outcome of a {@link ReverseUsage}: {@code remaining} is what is still unreversed of the original afterwards,
 * {@code periodStart}/{@code periodEnd} are the original's window, {@code current} whether that window is the
 * entitlement's current one, and {@code used} the current window's count afterwards.
 */
public record Reversal(
        String reversalId,
        String dedupKey,
        long amount,
        long remaining,
        Instant periodStart,
        Instant periodEnd,
        boolean current,
        long used) {}
