package dev.ledger.audit;

import dev.ledger.entitlement.InvalidInput;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * A position in the newest-first trail: the time and id of the last entry returned. Opaque to callers and checked:
 * the encoded position carries a digest of itself, so a cursor that was edited or truncated is {@code INVALID_CURSOR}
 * rather than a page from somewhere else. It needs no key (unlike the history's): the trail is read by ADMIN only, and
 * a forged position shows nothing that {@code to} does not (adr/0021).
 */
record AuditCursor(Instant at, long id) {

    private static final int MAX_LENGTH = 200;

    String encode() {
        String body = at.getEpochSecond() + "." + at.getNano() + "." + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(body.getBytes(StandardCharsets.US_ASCII)) + "."
                + digest(body);
    }

    static AuditCursor decode(String text) {
        InvalidInput invalid =
                new InvalidInput("INVALID_CURSOR", "cursor is not one this API returned; start again without a cursor");
        int dot = text.lastIndexOf('.');
        if (dot < 1 || text.length() > MAX_LENGTH) {
            throw invalid;
        }
        String body;
        try {
            body = new String(Base64.getUrlDecoder().decode(text.substring(0, dot)), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException notBase64) {
            throw invalid;
        }
        if (!MessageDigest.isEqual(
                digest(body).getBytes(StandardCharsets.US_ASCII),
                text.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
            throw invalid;
        }
        String[] parts = body.split("\\.");
        try {
            return new AuditCursor(
                    Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
                    Long.parseLong(parts[2]));
        } catch (RuntimeException malformed) {
            throw invalid;
        }
    }

    private static String digest(String body) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
