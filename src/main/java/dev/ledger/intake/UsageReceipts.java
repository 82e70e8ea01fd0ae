package dev.ledger.intake;

import java.time.Instant;
import java.time.ZoneOffset;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The SQS message ids that arrived again with a key already counted ({@code usage_receipt}), so that "did my message
 * count?" lists every message id seen with a key: the counted one is in its event, rejected and invalid ones in the
 * rejection log, and duplicates here.
 */
@Component
class UsageReceipts {

    private final JdbcTemplate jdbc;

    UsageReceipts(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void duplicate(String dedupKey, String messageId, String entitlementId, Instant at) {
        jdbc.update("""
                INSERT INTO usage_receipt (dedup_key, message_id, entitlement_id, received_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (dedup_key, message_id) DO NOTHING""", dedupKey, messageId, entitlementId, at.atOffset(ZoneOffset.UTC));
    }
}
