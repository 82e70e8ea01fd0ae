package dev.ledger.bench;

import dev.ledger.entitlement.EntitlementId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Watches the {@code usageCount} of items in a DynamoDB table while one phase of messages is consumed, and records
 * when each count first reached each value.
 *
 * <p>Latency method: for a watched entitlement that received {@code m} messages in the phase, sent at
 * {@code s1 <= … <= sm}, and whose count was first seen at {@code base + j} at time {@code rj}, the latency of the
 * {@code j}-th message is {@code rj - sj}. SQS does not keep order, so the message that moved the count to
 * {@code base + j} need not be the {@code j}-th one sent; pairing in order still never gives a negative latency (the
 * {@code j} applied messages include one sent at or after {@code sj}) and keeps the distribution. Times are when the
 * BatchGetItem response that showed the count arrived, so each latency is late by at most one sweep of the watcher.
 */
final class ItemWatcher {

    private static final String[] PROJECTION = {Items.USER_ID, Items.ENTITLEMENT_KEY, Items.USAGE_COUNT};

    private final DynamoDbClient dynamo;
    private final String table;
    private final List<EntitlementId> keys;
    private final long[] base;
    private final int[] increments;
    private final Map<String, Integer> positions = new HashMap<>();
    /** Per key: how many of the phase's messages its count shows (capped at its increment). */
    private final int[] seen;
    /** Per key: when its count was first seen complete. */
    private final long[] completedAt;
    /** Per sampled key: {@code reachedAt[k][j]} is when the count was first seen at {@code base + j + 1}. */
    private final long[][] reachedAt;

    private final int[] sample;
    private volatile boolean overshoot;
    private long sampleSweeps;
    private long sampleSweepNanos;
    private long fullSweeps;
    private long fullSweepNanos;

    /**
     * @param base       each key's count before the phase
     * @param increments each key's messages in the phase
     * @param sample     the keys whose every step is recorded for latency
     */
    ItemWatcher(
            DynamoDbClient dynamo,
            String table,
            List<EntitlementId> keys,
            long[] base,
            int[] increments,
            int[] sample) {
        this.dynamo = dynamo;
        this.table = table;
        this.keys = keys;
        this.base = base;
        this.increments = increments;
        this.seen = new int[keys.size()];
        this.completedAt = new long[keys.size()];
        this.reachedAt = new long[keys.size()][];
        this.sample = sample;
        for (int i = 0; i < keys.size(); i++) {
            positions.put(keys.get(i).toString(), i);
        }
        for (int k : sample) {
            reachedAt[k] = new long[increments[k]];
        }
    }

    /**
     * Polls the sampled keys every {@code interval} until each shows all its messages.
     *
     * @return false when no sampled count moved for {@code stall}
     */
    boolean watchSample(Duration interval, Duration stall) throws InterruptedException {
        List<Integer> pending = new ArrayList<>();
        for (int k : sample) {
            if (seen[k] < increments[k]) {
                pending.add(k);
            }
        }
        long lastProgress = System.nanoTime();
        while (!pending.isEmpty()) {
            long start = System.nanoTime();
            boolean progressed = sweep(pending);
            sampleSweeps++;
            sampleSweepNanos += System.nanoTime() - start;
            pending.removeIf(k -> seen[k] >= increments[k]);
            if (progressed) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                return false;
            }
            pause(start, interval);
        }
        return true;
    }

    /**
     * Polls every key of the phase that is not yet complete until all are.
     *
     * @return when the last key was first seen complete (epoch ms), or -1 when no count moved for {@code stall}
     */
    long awaitAll(Duration interval, Duration stall) throws InterruptedException {
        List<Integer> pending = new ArrayList<>();
        for (int k = 0; k < keys.size(); k++) {
            if (seen[k] < increments[k]) {
                pending.add(k);
            }
        }
        long lastProgress = System.nanoTime();
        while (!pending.isEmpty()) {
            long start = System.nanoTime();
            boolean progressed = sweep(pending);
            fullSweeps++;
            fullSweepNanos += System.nanoTime() - start;
            pending.removeIf(k -> seen[k] >= increments[k]);
            if (progressed) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                return -1;
            }
            if (!pending.isEmpty()) {
                pause(start, interval);
            }
        }
        return Arrays.stream(completedAt).max().orElse(0);
    }

    /** Reads the pending keys once; @return whether any count moved. */
    private boolean sweep(List<Integer> pending) {
        boolean progressed = false;
        for (int from = 0; from < pending.size(); from += Items.BATCH_GET_LIMIT) {
            List<Map<String, AttributeValue>> chunk = new ArrayList<>();
            for (int k : pending.subList(from, Math.min(pending.size(), from + Items.BATCH_GET_LIMIT))) {
                chunk.add(Items.key(keys.get(k)));
            }
            List<Map<String, AttributeValue>> items = Items.batchGet(dynamo, table, chunk, PROJECTION);
            long at = System.currentTimeMillis();
            for (Map<String, AttributeValue> item : items) {
                Integer k = positions.get(Items.idOf(item));
                long count = Items.number(item, Items.USAGE_COUNT);
                if (k == null || count < 0) {
                    continue;
                }
                long shown = count - base[k];
                if (shown > increments[k]) {
                    overshoot = true;
                }
                int reached = (int) Math.min(shown, increments[k]);
                if (reached > seen[k]) {
                    if (reachedAt[k] != null) {
                        Arrays.fill(reachedAt[k], seen[k], reached, at);
                    }
                    seen[k] = reached;
                    if (reached == increments[k]) {
                        completedAt[k] = at;
                    }
                    progressed = true;
                }
            }
        }
        return progressed;
    }

    private static void pause(long startNanos, Duration interval) throws InterruptedException {
        long remaining = interval.toNanos() - (System.nanoTime() - startNanos);
        if (remaining > 0) {
            Thread.sleep(remaining / 1_000_000, (int) (remaining % 1_000_000));
        }
    }

    /** Latency in ms of every message of the sampled keys, by the method in the class comment. */
    double[] latencies(long[] sentAtMillis, int[] targets) {
        long[][] sends = new long[keys.size()][];
        int[] filled = new int[keys.size()];
        for (int k : sample) {
            sends[k] = new long[increments[k]];
        }
        for (int i = 0; i < targets.length; i++) {
            int k = targets[i];
            if (sends[k] != null) {
                sends[k][filled[k]++] = sentAtMillis[i];
            }
        }
        int total = 0;
        for (int k : sample) {
            total += seen[k];
        }
        double[] latencies = new double[total];
        int n = 0;
        for (int k : sample) {
            Arrays.sort(sends[k]);
            for (int j = 0; j < seen[k]; j++) {
                latencies[n++] = reachedAt[k][j] - sends[k][j];
            }
        }
        return latencies;
    }

    /** How many of the phase's messages the watched counts show. */
    long applied() {
        long sum = 0;
        for (int s : seen) {
            sum += s;
        }
        return sum;
    }

    /** True when some count went past base + increment: a message counted twice (or a foreign writer). */
    boolean overshoot() {
        return overshoot;
    }

    Double meanSampleSweepMillis() {
        return sampleSweeps == 0 ? null : sampleSweepNanos / 1e6 / sampleSweeps;
    }

    Double meanFullSweepMillis() {
        return fullSweeps == 0 ? null : fullSweepNanos / 1e6 / fullSweeps;
    }
}
