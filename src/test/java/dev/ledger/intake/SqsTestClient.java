package dev.ledger.intake;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** A producer and a DLQ inspector for tests, speaking to ElasticMQ over the wire like the seed's clients. */
record SqsTestClient(SqsAsyncClient sqs, Queues queues) {

    String send(String body) {
        return sqs.sendMessage(r -> r.queueUrl(queues.queueUrl()).messageBody(body))
                .join()
                .messageId();
    }

    /** Sends up to 10 bodies in one SendMessageBatch call; returns their message ids in order. */
    List<String> sendBatch(List<String> bodies) {
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            entries.add(SendMessageBatchRequestEntry.builder()
                    .id(Integer.toString(i))
                    .messageBody(bodies.get(i))
                    .build());
        }
        var response = sqs.sendMessageBatch(r -> r.queueUrl(queues.queueUrl()).entries(entries))
                .join();
        assert response.failed().isEmpty() : response.failed();
        Map<String, String> ids = new HashMap<>();
        response.successful().forEach(entry -> ids.put(entry.id(), entry.messageId()));
        List<String> ordered = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            ordered.add(ids.get(Integer.toString(i)));
        }
        return ordered;
    }

    /** Drains the DLQ (receives and deletes), keyed by original message id. */
    Map<String, Message> drainDeadLetters(Duration quietFor) {
        Map<String, Message> drained = new HashMap<>();
        long quietUntil = System.nanoTime() + quietFor.toNanos();
        while (System.nanoTime() < quietUntil) {
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queues.deadLetterQueueUrl())
                            .maxNumberOfMessages(10)
                            .waitTimeSeconds(1)
                            .messageAttributeNames("All")
                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                    .join()
                    .messages();
            for (Message message : messages) {
                drained.put(LedgerAttributes.originalId(message), message);
                sqs.deleteMessage(r -> r.queueUrl(queues.deadLetterQueueUrl()).receiptHandle(message.receiptHandle()))
                        .join();
            }
            if (!messages.isEmpty()) {
                quietUntil = System.nanoTime() + quietFor.toNanos();
            }
        }
        return drained;
    }

    static String reason(Message message) {
        MessageAttributeValue value = message.messageAttributes().get(LedgerAttributes.REASON_CODE);
        return value == null ? null : value.stringValue();
    }
}
