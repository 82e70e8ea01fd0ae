package dev.ledger.intake;

import dev.ledger.command.EntitlementStates;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The usage DLQ as operators see it (the admin API): listing what waits there without consuming it, and redriving
 * messages to the usage queue with their bodies unchanged and their original message id
 * ({@link LedgerAttributes#ORIGINAL_MESSAGE_ID}). The worker's own way to the DLQ is {@link DeadLetterRouting}.
 *
 * <p>A message can reach the DLQ without any reason of ours: the queue's redrive policy moves a message that was
 * received {@code maxReceiveCount} times without being deleted, which also happens when workers die or stall while
 * holding it (adr/0013). The listing names that {@link #RECEIVE_COUNT_EXCEEDED} and says, from the dedup keys, whether
 * the message had in fact been counted.
 */
@Component
public class DeadLetterQueue {

    /** The reason of a message moved by the redrive policy with no rejection or invalidity recorded for it. */
    public static final String RECEIVE_COUNT_EXCEEDED = "RECEIVE_COUNT_EXCEEDED";

    private static final int LISTING_VISIBILITY_SECONDS = 30;

    private final SqsAsyncClient sqs;
    private final Queues queues;
    private final RejectionLog rejections;
    private final EntitlementStates states;
    private final SqsSettings settings;
    private final Clock clock;

    DeadLetterQueue(
            SqsAsyncClient sqs,
            Queues queues,
            RejectionLog rejections,
            EntitlementStates states,
            SqsSettings settings,
            Clock clock) {
        this.sqs = sqs;
        this.queues = queues;
        this.rejections = rejections;
        this.states = states;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * A message waiting in the DLQ.
     *
     * @param counted whether its usage was already counted (its dedup key is recorded): a redrive then only deletes it
     *                as a duplicate; {@code null} when the body is not a valid usage message
     */
    public record DeadLetter(
            String messageId,
            String originalMessageId,
            String body,
            int receiveCount,
            String reasonCode,
            String reasonDetail,
            Instant sentAt,
            Boolean counted) {}

    /** Up to {@code max} messages in the DLQ. They are received briefly and made visible again at once. */
    public List<DeadLetter> list(int max) {
        Map<String, Message> seen = receiveAll(max);
        try {
            List<DeadLetter> letters = new ArrayList<>();
            for (Message message : seen.values()) {
                letters.add(describe(message));
            }
            return letters;
        } finally {
            release(seen.values());
        }
    }

    /** Result of a redrive. */
    public record Redrive(int moved, List<String> notFound) {}

    /**
     * Moves DLQ messages back to the usage queue with unchanged bodies: all of them when {@code messageIds} is null,
     * else those whose DLQ message id or original message id is listed.
     */
    public Redrive redrive(Set<String> messageIds, int max) {
        Map<String, Message> received = receiveAll(max);
        List<Message> untouched = new ArrayList<>();
        Set<String> found = new HashSet<>();
        int moved = 0;
        try {
            for (Message message : received.values()) {
                String original = LedgerAttributes.originalId(message);
                if (messageIds != null && !messageIds.contains(message.messageId()) && !messageIds.contains(original)) {
                    untouched.add(message);
                    continue;
                }
                Map<String, MessageAttributeValue> attributes = LedgerAttributes.carried(message, 1);
                attributes.put(LedgerAttributes.ORIGINAL_MESSAGE_ID, LedgerAttributes.string(original));
                sqs.sendMessage(r -> r.queueUrl(queues.queueUrl())
                                .messageBody(message.body())
                                .messageAttributes(attributes))
                        .join();
                sqs.deleteMessage(r -> r.queueUrl(queues.deadLetterQueueUrl()).receiptHandle(message.receiptHandle()))
                        .join();
                found.add(message.messageId());
                found.add(original);
                moved++;
            }
        } finally {
            release(untouched);
        }
        List<String> notFound = messageIds == null
                ? List.of()
                : messageIds.stream().filter(id -> !found.contains(id)).sorted().toList();
        return new Redrive(moved, notFound);
    }

    private DeadLetter describe(Message message) {
        String original = LedgerAttributes.originalId(message);
        String code = LedgerAttributes.get(message, LedgerAttributes.REASON_CODE);
        String detail = LedgerAttributes.get(message, LedgerAttributes.REASON_DETAIL);
        String countAttribute = LedgerAttributes.get(message, LedgerAttributes.RECEIVE_COUNT);
        int receiveCount = countAttribute != null ? Integer.parseInt(countAttribute) : 0;
        if (code == null) {
            var last = rejections.lastReason(original);
            if (last.isPresent()) {
                code = last.get().code();
                detail = last.get().detail();
            }
        }
        String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        Instant sentAt = sent == null ? null : Instant.ofEpochMilli(Long.parseLong(sent));
        UsageMessages.Parsed parsed =
                UsageMessages.parse(message.body(), original, sentAt, clock.instant(), settings.maxFutureSkew());
        Boolean counted = parsed.valid()
                ? states.counted(parsed.command().id(), parsed.command().dedupKey())
                : null;
        if (code == null) {
            code = RECEIVE_COUNT_EXCEEDED;
            detail = "moved by the queue's redrive policy after maxReceiveCount receives without a delete, with no "
                    + "rejection recorded: workers stopped or stalled while holding it. "
                    + (Boolean.TRUE.equals(counted)
                            ? "Its usage was counted; a redrive deletes it as a duplicate."
                            : "Its usage was not counted; redrive it.");
        }
        return new DeadLetter(
                message.messageId(),
                original,
                message.body(),
                Math.max(receiveCount, rejections.receiveCount(original)),
                code,
                detail,
                sentAt,
                counted);
    }

    private Map<String, Message> receiveAll(int max) {
        Map<String, Message> seen = new LinkedHashMap<>();
        while (seen.size() < max) {
            int batch = Math.min(10, max - seen.size());
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queues.deadLetterQueueUrl())
                            .maxNumberOfMessages(batch)
                            .waitTimeSeconds(0)
                            .visibilityTimeout(LISTING_VISIBILITY_SECONDS)
                            .messageAttributeNames("All")
                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                    .join()
                    .messages();
            if (messages.isEmpty()) {
                break;
            }
            for (Message message : messages) {
                seen.putIfAbsent(message.messageId(), message);
            }
        }
        return seen;
    }

    private void release(Collection<Message> messages) {
        List<Message> list = new ArrayList<>(messages);
        for (int i = 0; i < list.size(); i += 10) {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (int j = i; j < Math.min(i + 10, list.size()); j++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(Integer.toString(j))
                        .receiptHandle(list.get(j).receiptHandle())
                        .visibilityTimeout(0)
                        .build());
            }
            sqs.changeMessageVisibilityBatch(
                            r -> r.queueUrl(queues.deadLetterQueueUrl()).entries(entries))
                    .join();
        }
    }
}
