package dev.ledger.intake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.Instants;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Parses and validates the seed's usage message body. Either a {@link ConsumeUsage} or an {@link InvalidMessage} with a
 * stable code; never an exception. JSON {@code null} counts as absent for the optional fields; unknown fields are
 * ignored.
 */
public final class UsageMessages {

    public static final int MAX_BODY_BYTES = 256 * 1024;
    public static final int MAX_METADATA_BYTES = 4 * 1024;
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 128;
    private static final BigInteger MAX_AMOUNT = BigInteger.valueOf(ConsumeUsage.MAX_AMOUNT);

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(64)
                            .maxNumberLength(100)
                            .build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private UsageMessages() {}

    /** The outcome of parsing: exactly one of the two is set. */
    public record Parsed(ConsumeUsage command, InvalidMessage invalid) {
        public boolean valid() {
            return command != null;
        }
    }

    /**
     * @param body              the raw message body
     * @param messageId         the SQS message id: the dedup key when the body has no {@code idempotencyKey}
     * @param sentTimestamp     SQS {@code SentTimestamp}: the usage time when the body has no {@code occurredAt}
     * @param now               the worker's clock, to refuse {@code occurredAt} too far in the future
     * @param maxFutureSkew     how far in the future {@code occurredAt} may be
     */
    public static Parsed parse(
            String body, String messageId, Instant sentTimestamp, Instant now, Duration maxFutureSkew) {
        if (body == null || body.isEmpty()) {
            return invalid("EMPTY_BODY", "the message body is empty; send a JSON object", null, null, messageId);
        }
        int bytes = body.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BODY_BYTES) {
            return invalid(
                    "BODY_TOO_LARGE",
                    "the message body is " + bytes + " bytes; at most " + MAX_BODY_BYTES,
                    null,
                    null,
                    messageId);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException | RuntimeException e) {
            return invalid(
                    "MALFORMED_JSON",
                    "the body is not valid JSON: " + firstLine(e.getMessage()),
                    null,
                    null,
                    messageId);
        }
        if (root == null || !root.isObject()) {
            return invalid(
                    "NOT_A_JSON_OBJECT",
                    "the body must be a JSON object, got "
                            + (root == null
                                    ? "nothing"
                                    : root.getNodeType().name().toLowerCase()),
                    null,
                    null,
                    messageId);
        }

        String userId = text(root, "userId");
        String key = text(root, "entitlementKey");
        JsonNode idempotencyKey = present(root, "idempotencyKey");
        String dedupKey = idempotencyKey != null && idempotencyKey.isTextual() ? idempotencyKey.asText() : messageId;

        if (!root.hasNonNull("userId")) {
            return invalid("MISSING_USER_ID", "userId is required", null, key, dedupKey);
        }
        if (userId == null) {
            return invalid("INVALID_USER_ID", "userId must be a string", null, key, dedupKey);
        }
        String userProblem = EntitlementId.userIdProblem(userId);
        if (userProblem != null) {
            return invalid("INVALID_USER_ID", userProblem, null, key, dedupKey);
        }
        if (!root.hasNonNull("entitlementKey")) {
            return invalid("MISSING_ENTITLEMENT_KEY", "entitlementKey is required", userId, null, dedupKey);
        }
        if (key == null) {
            return invalid("INVALID_ENTITLEMENT_KEY", "entitlementKey must be a string", userId, null, dedupKey);
        }
        String keyProblem = EntitlementId.keyProblem(key);
        if (keyProblem != null) {
            return invalid("INVALID_ENTITLEMENT_KEY", keyProblem, userId, null, dedupKey);
        }

        long amount = 1;
        JsonNode amountNode = present(root, "amount");
        if (amountNode != null) {
            if (!amountNode.isIntegralNumber()) {
                return invalid(
                        "INVALID_AMOUNT",
                        "amount must be an integer from 1 to " + ConsumeUsage.MAX_AMOUNT + ", got "
                                + abbreviate(amountNode.toString()),
                        userId,
                        key,
                        dedupKey);
            }
            BigInteger value = amountNode.bigIntegerValue();
            if (value.signum() <= 0 || value.compareTo(MAX_AMOUNT) > 0) {
                return invalid(
                        "INVALID_AMOUNT",
                        "amount must be an integer from 1 to " + ConsumeUsage.MAX_AMOUNT + ", got "
                                + abbreviate(value.toString()),
                        userId,
                        key,
                        dedupKey);
            }
            amount = value.longValueExact();
        }

        if (idempotencyKey != null) {
            if (!idempotencyKey.isTextual()) {
                return invalid("INVALID_IDEMPOTENCY_KEY", "idempotencyKey must be a string", userId, key, messageId);
            }
            int length = idempotencyKey
                    .asText()
                    .codePointCount(0, idempotencyKey.asText().length());
            if (length < 1 || length > MAX_IDEMPOTENCY_KEY_LENGTH) {
                return invalid(
                        "INVALID_IDEMPOTENCY_KEY",
                        "idempotencyKey must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters, got " + length,
                        userId,
                        key,
                        messageId);
            }
        }

        Map<String, Object> metadata = Map.of();
        JsonNode metadataNode = present(root, "metadata");
        if (metadataNode != null) {
            if (!metadataNode.isObject()) {
                return invalid("INVALID_METADATA", "metadata must be a flat JSON object", userId, key, dedupKey);
            }
            int size = metadataNode.toString().getBytes(StandardCharsets.UTF_8).length;
            if (size > MAX_METADATA_BYTES) {
                return invalid(
                        "METADATA_TOO_LARGE",
                        "metadata is " + size + " bytes serialized; at most " + MAX_METADATA_BYTES,
                        userId,
                        key,
                        dedupKey);
            }
            Map<String, Object> values = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = metadataNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode value = field.getValue();
                if (value.isTextual()) {
                    values.put(field.getKey(), value.asText());
                } else if (value.isBoolean()) {
                    values.put(field.getKey(), value.asBoolean());
                } else if (value.isNumber()) {
                    values.put(field.getKey(), value.numberValue());
                } else {
                    return invalid(
                            "INVALID_METADATA",
                            "metadata values must be strings, numbers or booleans; '" + abbreviate(field.getKey())
                                    + "' is " + value.getNodeType().name().toLowerCase(),
                            userId,
                            key,
                            dedupKey);
                }
            }
            metadata = values;
        }

        Instant occurredAt = sentTimestamp;
        JsonNode occurredNode = present(root, "occurredAt");
        if (occurredNode != null) {
            if (!occurredNode.isTextual()) {
                return invalid(
                        "INVALID_OCCURRED_AT", "occurredAt must be an ISO-8601 instant string", userId, key, dedupKey);
            }
            Optional<Instant> parsed = Instants.parse(occurredNode.asText());
            if (parsed.isEmpty()) {
                return invalid(
                        "INVALID_OCCURRED_AT",
                        "occurredAt must be an ISO-8601 instant from 0001-01-01T00:00:00Z "
                                + "to 9999-12-31T23:59:59Z, such as 2025-01-31T15:00:00Z, got '"
                                + abbreviate(occurredNode.asText()) + "'",
                        userId,
                        key,
                        dedupKey);
            }
            occurredAt = parsed.get();
            if (occurredAt.isAfter(now.plus(maxFutureSkew))) {
                return invalid(
                        "OCCURRED_AT_IN_FUTURE",
                        "occurredAt " + occurredAt + " is more than " + maxFutureSkew.toMinutes()
                                + " minutes in the future",
                        userId,
                        key,
                        dedupKey);
            }
        }
        if (occurredAt == null) {
            occurredAt = now;
        }
        return new Parsed(
                new ConsumeUsage(EntitlementId.of(userId, key), amount, occurredAt, dedupKey, metadata, messageId),
                null);
    }

    private static Parsed invalid(String code, String detail, String userId, String key, String dedupKey) {
        return new Parsed(null, new InvalidMessage(code, detail, userId, key, dedupKey));
    }

    private static JsonNode present(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? null : node;
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node != null && node.isTextual() ? node.asText() : null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return abbreviate(newline < 0 ? message : message.substring(0, newline));
    }

    static String abbreviate(String value) {
        return value.length() <= 120 ? value : value.substring(0, 117) + "...";
    }
}
