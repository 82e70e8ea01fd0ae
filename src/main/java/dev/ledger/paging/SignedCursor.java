package dev.ledger.paging;

import dev.ledger.entitlement.InvalidInput;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An opaque cursor: a position of a few numbers, Base64url-encoded and signed with HMAC-SHA256, so that an edited,
 * truncated or made-up cursor is {@code 400 INVALID_CURSOR} rather than a page from somewhere else.
 */
public final class SignedCursor {

    private static final int MAX_LENGTH = 200;

    private SignedCursor() {}

    public static String encode(byte[] key, long... position) {
        String body = Arrays.stream(position).mapToObj(Long::toString).collect(Collectors.joining("."));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(body.getBytes(StandardCharsets.US_ASCII)) + "."
                + sign(body, key);
    }

    /** The {@code size} numbers of a cursor this class encoded with {@code key}; anything else is INVALID_CURSOR. */
    public static long[] decode(String text, byte[] key, int size) {
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
                sign(body, key).getBytes(StandardCharsets.US_ASCII),
                text.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
            throw invalid;
        }
        String[] parts = body.split("\\.");
        if (parts.length != size) {
            throw invalid;
        }
        try {
            return Arrays.stream(parts).mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException malformed) {
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
