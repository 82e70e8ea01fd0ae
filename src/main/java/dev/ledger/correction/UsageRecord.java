package dev.ledger.correction;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * What became of the usage sent under one dedup key: counted (and how much of it was reversed since), or only rejected,
 * or dead-lettered as invalid. {@code position} is the global index of its {@code UsageConsumed} ({@code null} for
 * the moment the history has not reached it yet); {@code messageIds} every SQS message id seen with the key.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
record UsageRecord(
        String dedupKey,
        Status status,
        String userId,
        String entitlementKey,
        Long amount,
        long reversed,
        Long position,
        Instant occurredAt,
        Instant recordedAt,
        List<String> messageIds,
        List<Rejection> rejections) {

    enum Status {
        /** Counted, nothing reversed. */
        COUNTED,
        /** Counted, and part of it has been reversed. */
        PARTIALLY_REVERSED,
        /** Counted, and all of it has been reversed. */
        REVERSED,
        /** Never counted: business rejections only (the message is retried and ends in the DLQ). */
        REJECTED,
        /** Never counted: dead-lettered at once as invalid. */
        INVALID
    }

    /** One rejected or invalid receive. */
    record Rejection(String reasonCode, int receiveCount, String outcome, Instant at) {}
}
