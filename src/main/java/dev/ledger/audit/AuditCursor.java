package dev.ledger.audit;

import dev.ledger.paging.SignedCursor;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A position in the newest-first trail: the time and id of the last entry returned. Opaque and checked
 * ({@link SignedCursor}), so a cursor that was edited or truncated is {@code INVALID_CURSOR} rather than a page from
 * somewhere else. Its key is a constant, not a secret: the trail is read by ADMIN only, and a forged position shows
 * nothing that {@code to} does not (adr/0021).
 */
record AuditCursor(Instant at, long id) {

    private static final byte[] KEY = "ledger-admin-audit-cursor".getBytes(StandardCharsets.US_ASCII);

    String encode() {
        return SignedCursor.encode(KEY, at.getEpochSecond(), at.getNano(), id);
    }

    static AuditCursor decode(String text) {
        long[] position = SignedCursor.decode(text, KEY, 3);
        return new AuditCursor(Instant.ofEpochSecond(position[0], position[1]), position[2]);
    }
}
