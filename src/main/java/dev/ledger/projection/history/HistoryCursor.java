package dev.ledger.projection.history;

import dev.ledger.entitlement.InvalidInput;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stable, opaque position in a newest-first history: the recorded time, the source (0 event, 1 rejection) and the id
 * of the last entry returned. Signed with HMAC-SHA256 so that a tampered cursor is refused rather than silently paging
 * from somewhere else. The key is configuration ({@code ledger.history.cursor-key}) so cursors survive restarts and
 * work on every instance.
 */
record HistoryCursor(Instant recordedAt, int source, long id) {

    static String encode(HistoryCursor cursor, byte[] key) {
        String body = cursor.recordedAt().getEpochSecond() + "."
                + cursor.recordedAt().getNano() + "." + cursor.source() + "." + cursor.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(body.getBytes(StandardCharsets.US_ASCII)) + "."
                + sign(body, key);
    }

    static HistoryCursor decode(String text, byte[] key) {
        InvalidInput invalid =
                new InvalidInput("INVALID_CURSOR", "cursor is not one this API returned; start again without a cursor");
        int dot = text.lastIndexOf('.');
        if (dot < 1 || text.length() > 200) {
            throw invalid;
        }
        String body;
        try {
            body = new String(Base64.getUrlDecoder().decode(text.substring(0, dot)), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw invalid;
        }
        if (!MessageDigest.isEqual(
                sign(body, key).getBytes(StandardCharsets.US_ASCII),
                text.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
            throw invalid;
        }
        String[] parts = body.split("\\.");
        try {
            return new HistoryCursor(
                    Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
                    Integer.parseInt(parts[2]),
                    Long.parseLong(parts[3]));
        } catch (RuntimeException e) {
            throw invalid;
        }
    }

    private static String sign(String body, byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] signature = mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(signature)
                    .substring(0, 22);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
