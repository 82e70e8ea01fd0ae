package dev.ledger.bench;

import dev.ledger.entitlement.EntitlementId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * A producer as the seed document describes one: SendMessageBatch calls of 10 usage messages, from a few threads.
 * It remembers when each message was sent, which is the start of its latency.
 */
final class UsageProducer {

    /** SQS takes at most 10 entries per SendMessageBatch. */
    static final int BATCH = 10;

    /**
     * What was sent. {@code sentAtMillis[i]} is the wall-clock time just before the SendMessageBatch call that carried
     * message {@code i}; ElasticMQ stamps {@code SentTimestamp} during that call, on the same clock.
     */
    record Sent(int count, long[] sentAtMillis, long firstSendMillis, long lastSendMillis) {

        /** Messages per second over the sending, or null for an instant. */
        Double sendRate() {
            long millis = lastSendMillis - firstSendMillis;
            return millis <= 0 ? null : count * 1000.0 / millis;
        }
    }

    private final SqsClient sqs;
    private final int threads;

    UsageProducer(SqsClient sqs, int threads) {
        this.sqs = sqs;
        this.threads = threads;
    }

    /** The body of message {@code index}: the seed's fields plus an idempotency key, one unit of usage. */
    static String body(EntitlementId target, String tag, int index) {
        return "{\"userId\":\"" + target.userId() + "\",\"entitlementKey\":\"" + target.entitlementKey()
                + "\",\"amount\":1,\"idempotencyKey\":\"" + tag + "-" + index
                + "\",\"metadata\":{\"source\":\"bench\"}}";
    }

    /**
     * Sends message {@code i} to {@code keys.get(targets[i])}. With {@code ratePerSecond > 0}, batch {@code b}
     * leaves no earlier than {@code b * 10 / rate} seconds after the start (a steady load); otherwise as fast as the
     * threads go.
     */
    Sent send(String queueUrl, List<EntitlementId> keys, int[] targets, String tag, double ratePerSecond)
            throws InterruptedException {
        int count = targets.length;
        int batches = (count + BATCH - 1) / BATCH;
        long[] sentAt = new long[count];
        long[] lastDone = new long[threads];
        AtomicInteger nextBatch = new AtomicInteger();
        long startNanos = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "bench-producer");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int worker = t;
                Callable<Void> task = () -> {
                    int batch;
                    while ((batch = nextBatch.getAndIncrement()) < batches) {
                        if (ratePerSecond > 0) {
                            long due = startNanos + (long) (batch * (double) BATCH / ratePerSecond * 1e9);
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                        }
                        int from = batch * BATCH;
                        int to = Math.min(count, from + BATCH);
                        List<SendMessageBatchRequestEntry> entries = new ArrayList<>(to - from);
                        for (int i = from; i < to; i++) {
                            entries.add(SendMessageBatchRequestEntry.builder()
                                    .id(Integer.toString(i - from))
                                    .messageBody(body(keys.get(targets[i]), tag, i))
                                    .build());
                        }
                        long at = System.currentTimeMillis();
                        SendMessageBatchResponse response =
                                sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
                        if (!response.failed().isEmpty()) {
                            throw new IllegalStateException("SendMessageBatch failed for " + response.failed());
                        }
                        for (int i = from; i < to; i++) {
                            sentAt[i] = at;
                        }
                        lastDone[worker] = System.currentTimeMillis();
                    }
                    return null;
                };
                futures.add(pool.submit(task));
            }
            for (Future<Void> future : futures) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("producer failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        long first = Long.MAX_VALUE;
        for (long at : sentAt) {
            first = Math.min(first, at);
        }
        long last = 0;
        for (long done : lastDone) {
            last = Math.max(last, done);
        }
        return new Sent(count, sentAt, first, last);
    }
}
