package dev.ledger.intake;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
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

    /**
     * Takes the dead letters of {@code originalIds} out of a DLQ that other tests share: every message in it is received
     * once, those are deleted and returned (keyed by original message id), the others are made visible again at once.
     */
    Map<String, Message> takeDeadLetters(Set<String> originalIds) {
        Map<String, Message> taken = new HashMap<>();
        List<Message> others = new ArrayList<>();
        try {
            List<Message> messages;
            do {
                messages = sqs.receiveMessage(r -> r.queueUrl(queues.deadLetterQueueUrl())
                                .maxNumberOfMessages(10)
                                .visibilityTimeout(60)
                                .waitTimeSeconds(0)
                                .messageAttributeNames("All")
                                .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                        .join()
                        .messages();
                List<Message> ours = new ArrayList<>();
                for (Message message : messages) {
                    if (originalIds.contains(LedgerAttributes.originalId(message))) {
                        taken.put(LedgerAttributes.originalId(message), message);
                        ours.add(message);
                    } else {
                        others.add(message);
                    }
                }
                if (!ours.isEmpty()) {
                    sqs.deleteMessageBatch(r -> r.queueUrl(queues.deadLetterQueueUrl())
                                    .entries(IntStream.range(0, ours.size())
                                            .mapToObj(i -> DeleteMessageBatchRequestEntry.builder()
                                                    .id(Integer.toString(i))
                                                    .receiptHandle(ours.get(i).receiptHandle())
                                                    .build())
                                            .toList()))
                            .join();
                }
            } while (!messages.isEmpty());
        } finally {
            for (int from = 0; from < others.size(); from += 10) {
                List<Message> batch = others.subList(from, Math.min(from + 10, others.size()));
                sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queues.deadLetterQueueUrl())
                                .entries(IntStream.range(0, batch.size())
                                        .mapToObj(i -> ChangeMessageVisibilityBatchRequestEntry.builder()
                                                .id(Integer.toString(i))
                                                .receiptHandle(batch.get(i).receiptHandle())
                                                .visibilityTimeout(0)
                                                .build())
                                        .toList()))
                        .join();
            }
        }
        return taken;
    }

    static String reason(Message message) {
        MessageAttributeValue value = message.messageAttributes().get(LedgerAttributes.REASON_CODE);
        return value == null ? null : value.stringValue();
    }
}
