package dev.ledger.intake;

import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * The message attributes the ledger writes, all named {@code ledger-*}: the worker's reason on a dead letter it moved,
 * and the original message id on a dead letter and on a redriven message. A redriven message gets a new SQS message
 * id, so it carries the original one, and the worker dedups on it when there is no {@code idempotencyKey}: a message
 * that was counted and then dead-lettered anyway is never counted twice.
 */
public final class LedgerAttributes {

    public static final String REASON_CODE = "ledger-reason-code";
    public static final String REASON_DETAIL = "ledger-reason-detail";
    public static final String RECEIVE_COUNT = "ledger-receive-count";
    public static final String ORIGINAL_MESSAGE_ID = "ledger-original-message-id";
    private static final String PREFIX = "ledger-";
    private static final int SQS_MAX_ATTRIBUTES = 10;

    private LedgerAttributes() {}

    /** The id under which a message was first received: the dedup key when the body has no idempotencyKey. */
    public static String originalId(Message message) {
        String original = get(message, ORIGINAL_MESSAGE_ID);
        return original != null && !original.isBlank() ? original : message.messageId();
    }

    static String get(Message message, String name) {
        MessageAttributeValue value = message.messageAttributes().get(name);
        return value == null ? null : value.stringValue();
    }

    /** The producer's own attributes, without ours, leaving room for {@code reserved} of ours. */
    static Map<String, MessageAttributeValue> carried(Message message, int reserved) {
        Map<String, MessageAttributeValue> carried = new HashMap<>();
        message.messageAttributes().forEach((name, value) -> {
            if (!name.startsWith(PREFIX) && carried.size() < SQS_MAX_ATTRIBUTES - reserved) {
                carried.put(name, value);
            }
        });
        return carried;
    }

    static MessageAttributeValue string(String value) {
        String safe = value == null || value.isEmpty() ? "-" : value.length() > 1024 ? value.substring(0, 1024) : value;
        return MessageAttributeValue.builder()
                .dataType("String")
                .stringValue(safe)
                .build();
    }

    static MessageAttributeValue number(int value) {
        return MessageAttributeValue.builder()
                .dataType("Number")
                .stringValue(Integer.toString(value))
                .build();
    }
}
