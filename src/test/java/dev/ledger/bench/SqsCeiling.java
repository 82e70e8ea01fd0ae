package dev.ledger.bench;

import dev.ledger.entitlement.EntitlementId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The ceiling of the ingest scenario: what ElasticMQ itself sustains for the same producer when the consumer does
 * nothing but receive (10 at a time, long polling) and delete (DeleteMessageBatch). No consumer of usage can beat it
 * on this stack.
 */
final class SqsCeiling {

    /** The outcome: messages deleted, when the first was sent and the last deleted, receive latencies in ms. */
    record Result(
            int messages,
            long firstSendMillis,
            long lastDeleteMillis,
            double[] receiveLatencies,
            UsageProducer.Sent sent,
            boolean complete) {

        Double throughput() {
            long millis = lastDeleteMillis - firstSendMillis;
            return !complete || millis <= 0 ? null : messages * 1000.0 / millis;
        }
    }

    private SqsCeiling() {}

    static Result run(
            SqsClient sqs,
            String queueUrl,
            UsageProducer producer,
            List<EntitlementId> keys,
            int[] targets,
            int consumers,
            Duration stall)
            throws InterruptedException {
        int count = targets.length;
        AtomicInteger deleted = new AtomicInteger();
        AtomicLong lastDelete = new AtomicLong();
        AtomicInteger latencyCount = new AtomicInteger();
        double[] latencies = new double[count];
        AtomicReference<Throwable> error = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            Thread thread = new Thread(
                    () -> {
                        while (deleted.get() < count && error.get() == null && !stop.get()) {
                            try {
                                List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                                                .maxNumberOfMessages(10)
                                                .waitTimeSeconds(1)
                                                .messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP))
                                        .messages();
                                if (messages.isEmpty()) {
                                    continue;
                                }
                                long now = System.currentTimeMillis();
                                List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
                                for (int i = 0; i < messages.size(); i++) {
                                    Message message = messages.get(i);
                                    String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
                                    int slot = latencyCount.getAndIncrement();
                                    if (sent != null && slot < latencies.length) {
                                        latencies[slot] = now - Long.parseLong(sent);
                                    }
                                    entries.add(DeleteMessageBatchRequestEntry.builder()
                                            .id(Integer.toString(i))
                                            .receiptHandle(message.receiptHandle())
                                            .build());
                                }
                                sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
                                deleted.addAndGet(entries.size());
                                lastDelete.accumulateAndGet(System.currentTimeMillis(), Math::max);
                            } catch (RuntimeException e) {
                                if (!stop.get()) {
                                    error.compareAndSet(null, e);
                                }
                            }
                        }
                    },
                    "bench-ceiling-consumer-" + c);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        UsageProducer.Sent sent;
        try {
            sent = producer.send(queueUrl, keys, targets, "ceiling", 0);
            long lastProgress = System.nanoTime();
            int seen = deleted.get();
            while (deleted.get() < count && error.get() == null) {
                Thread.sleep(100);
                int now = deleted.get();
                if (now != seen) {
                    seen = now;
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                    break;
                }
            }
        } finally {
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(30_000);
            }
        }
        if (error.get() != null) {
            throw new IllegalStateException("ceiling consumer failed: " + error.get(), error.get());
        }
        int recorded = Math.min(latencyCount.get(), count);
        double[] receiveLatencies = new double[recorded];
        System.arraycopy(latencies, 0, receiveLatencies, 0, recorded);
        return new Result(
                count, sent.firstSendMillis(), lastDelete.get(), receiveLatencies, sent, deleted.get() >= count);
    }
}
