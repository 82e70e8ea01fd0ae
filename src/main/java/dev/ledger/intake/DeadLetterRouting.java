package dev.ledger.intake;

import java.util.Map;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * The worker's way to the DLQ: an invalid message is sent there with its body unchanged, the producer's attributes,
 * and ours ({@link LedgerAttributes}): reason code and detail, receive count and original message id.
 */
@Component
class DeadLetterRouting {

    private final SqsAsyncClient sqs;
    private final Queues queues;

    DeadLetterRouting(SqsAsyncClient sqs, Queues queues) {
        this.sqs = sqs;
        this.queues = queues;
    }

    /** Sends {@code message} to the DLQ with its reason; the caller deletes it from the usage queue afterwards. */
    void route(Message message, String originalMessageId, int receiveCount, InvalidMessage invalid) {
        Map<String, MessageAttributeValue> attributes = LedgerAttributes.carried(message, 4);
        attributes.put(LedgerAttributes.REASON_CODE, LedgerAttributes.string(invalid.code()));
        attributes.put(LedgerAttributes.REASON_DETAIL, LedgerAttributes.string(invalid.detail()));
        attributes.put(LedgerAttributes.RECEIVE_COUNT, LedgerAttributes.number(receiveCount));
        attributes.put(LedgerAttributes.ORIGINAL_MESSAGE_ID, LedgerAttributes.string(originalMessageId));
        sqs.sendMessage(r -> r.queueUrl(queues.deadLetterQueueUrl())
                        .messageBody(message.body())
                        .messageAttributes(attributes))
                .join();
    }
}
