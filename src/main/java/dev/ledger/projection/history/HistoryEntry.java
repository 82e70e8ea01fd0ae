package dev.ledger.projection.history;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;

/**
 * One line of an entitlement's history: an event of the aggregate, or a {@code UsageRejected} receive from the worker's
 * rejection log (which is not an event: a rejected command emits nothing). Fields that do not apply are omitted. A
 * {@code UsageReversed} entry has a negative {@code amount}, the {@code reversalOf} key and the {@code reason} and
 * {@code caller} of the reversal.
 * {@code metadata} and {@code details} are the stored JSON objects, as they were sent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HistoryEntry(
        String type,
        Long position,
        Long rejectionId,
        String userId,
        String entitlementKey,
        Long sequenceNumber,
        Instant occurredAt,
        Instant recordedAt,
        Long amount,
        Instant periodStart,
        Instant periodEnd,
        Long usedAfter,
        Long limit,
        Boolean late,
        String dedupKey,
        String messageId,
        @JsonRawValue String metadata,
        @JsonRawValue String details,
        String reasonCode,
        String reasonDetail,
        Integer receiveCount,
        String outcome,
        String reversalOf,
        String reason,
        String caller) {}
