package dev.ledger.entitlement;

import java.time.Instant;

/**
 * What was counted under a dedup key: the facts of its {@code UsageConsumed}, which never change once committed. A
 * reversal names the usage it corrects by these facts.
 */
public record CountedUsage(String dedupKey, long amount, Instant occurredAt, Instant periodStart, Instant periodEnd) {}
