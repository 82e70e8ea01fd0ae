package dev.ledger.intake;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** The Postgres log of rejected and invalid receives ({@code usage_rejection}). */
@Component
public class RejectionLog {

    static final int MAX_RAW_BODY_BYTES = 4096;

    private final JdbcTemplate jdbc;

    RejectionLog(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** What happens to the message after this receive: the {@code outcome} column. */
    public enum NextStep {
        /** Left on the queue: SQS retries it and its redrive policy moves it to the DLQ after maxReceiveCount. */
        RETRY,
        /** Moved to the DLQ at once: retrying cannot help. */
        DEAD_LETTERED
    }

    /** A reason as last recorded for a message. */
    public record RecordedReason(String code, String detail, Instant at) {}

    public void record(
            String messageId,
            int receiveCount,
            String dedupKey,
            String userId,
            String entitlementKey,
            String code,
            String detail,
            NextStep next,
            Instant at,
            String rawBody) {
        jdbc.update(
                """
                INSERT INTO usage_rejection (message_id, receive_count, dedup_key, user_id, entitlement_key,
                    reason_code, detail, outcome, rejected_at, raw_body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                messageId,
                receiveCount,
                truncate(dedupKey, 512),
                userId,
                entitlementKey,
                code,
                truncate(detail, 2048),
                next.name(),
                at.atOffset(ZoneOffset.UTC),
                truncateBytes(rawBody == null ? "" : rawBody));
    }

    public Optional<RecordedReason> lastReason(String messageId) {
        return jdbc
                .query(
                        "SELECT reason_code, detail, rejected_at FROM usage_rejection WHERE message_id = ? "
                                + "ORDER BY id DESC LIMIT 1",
                        (rs, row) -> new RecordedReason(
                                rs.getString(1),
                                rs.getString(2),
                                rs.getTimestamp(3).toInstant()),
                        messageId)
                .stream()
                .findFirst();
    }

    /** The highest receive count recorded for a message, or 0. */
    public int receiveCount(String messageId) {
        Integer count = jdbc.queryForObject(
                "SELECT max(receive_count) FROM usage_rejection WHERE message_id = ?", Integer.class, messageId);
        return count == null ? 0 : count;
    }

    private static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }

    /** The raw body up to 4 KiB of UTF-8, cut on a character boundary; NUL characters (which Postgres refuses) escaped. */
    static String truncateBytes(String body) {
        String safe = body.replace("\u0000", "\\u0000");
        byte[] bytes = safe.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_RAW_BODY_BYTES) {
            return safe;
        }
        int end = MAX_RAW_BODY_BYTES;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}
