package dev.ledger.explain;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * The answer to "why is this balance X?": the window that contains {@code at}, its policy's limit, the count the
 * entitlement keeps for it ({@code used}), the events that make up that count ({@code entries}, oldest first; the last
 * one's {@code usedAfter} is {@code used}), the window's rejected receives, and, when the window is the current one,
 * what the DynamoDB item holds ({@code table}, absent otherwise).
 */
public record Explanation(
        Instant at,
        Instant periodStart,
        Instant periodEnd,
        long limit,
        String overLimit,
        long used,
        List<Entry> entries,
        List<Rejection> rejections,
        @JsonInclude(JsonInclude.Include.NON_NULL) Table table) {

    /**
     * One event that makes up the count. {@code amount}: the units it counted, negative for a reversal, the opening
     * balance for an import, {@code null} for grants, resets and policy changes. {@code occurredAt}: when it happened
     * (for a reversal, when the usage it reverses happened); {@code recordedAt}: when the ledger stored it;
     * {@code position}: its global index. {@code dedupKey}: the usage's key (for a reversal, the reversed usage's).
     * {@code late}: usage counted after its window had closed.
     */
    public record Entry(
            String type,
            long position,
            Instant occurredAt,
            Instant recordedAt,
            Long amount,
            long usedAfter,
            String dedupKey,
            boolean late) {}

    /** A receive of a usage message that was refused in the window ({@code usage_rejection}). */
    public record Rejection(
            String reasonCode, int receiveCount, String outcome, Instant at, String dedupKey, String messageId) {}

    /**
     * The entitlement's DynamoDB item: its {@code usageCount}, {@code version} and {@code periodStart} ({@code null}
     * without an item), and whether a reader of the table, applying the lazy reset as the table contract says, sees the
     * window's {@code used}. {@code error} says why the item could not be read; {@code agrees} is then false.
     */
    public record Table(
            Long usageCount,
            Long version,
            String periodStart,
            boolean agrees,
            @JsonInclude(JsonInclude.Include.NON_NULL) String error) {}
}
