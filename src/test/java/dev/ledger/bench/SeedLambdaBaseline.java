package dev.ledger.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.PeriodWindow;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The baseline of the ingest scenario: a consumer written only for the benchmark that does what the seed's Lambda
 * did (seed document, "Behaviour after send"). Each invocation takes a batch of up to 20 messages (two receives of
 * 10, as SQS returns at most 10), and for each message in turn reads the item, applies the lazy period reset and the
 * limit, and writes the item back with a condition on the values it read (retrying on a lost race). Successes are
 * deleted with DeleteMessageBatch; failures stay on the queue (batch item failures). No event store, no history, no
 * deduplication. {@code invocations} threads stand for concurrent Lambda invocations.
 */
final class SeedLambdaBaseline {

    static final int BATCH_SIZE = 20;
    private static final int RECEIVE_LIMIT = 10;
    private static final int MAX_ATTEMPTS = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqsClient sqs;
    private final DynamoDbClient dynamo;
    private final String queueUrl;
    private final String table;
    private final int invocations;
    private final Mode mode;
    private final long limit;
    private final Timer delay;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private volatile boolean running;

    final LongAdder batches = new LongAdder();
    final LongAdder succeeded = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder conflicts = new LongAdder();

    /**
     * What each message costs. {@code SEED}: what the seed's Lambda did, a read and a write conditional on what was
     * read. {@code UPDATE_ITEM}: the natural DynamoDB design without history, one {@code UpdateItem} that adds the
     * amount under a condition that holds the limit (the consumer knows it, as from a catalogue), the entitlement's
     * activity and the period's end; only when that condition fails does it fall back to the seed's read and write
     * (a period to reset, or a rejection to tell apart).
     */
    enum Mode {
        SEED,
        UPDATE_ITEM
    }

    /**
     * @param limit the usage limit of every entitlement, which {@code UPDATE_ITEM} puts in its condition
     * @param delay records, for each applied message, SentTimestamp until the write was acknowledged (or null)
     */
    SeedLambdaBaseline(
            SqsClient sqs,
            DynamoDbClient dynamo,
            String queueUrl,
            String table,
            int invocations,
            Mode mode,
            long limit,
            Timer delay) {
        this.sqs = sqs;
        this.dynamo = dynamo;
        this.queueUrl = queueUrl;
        this.table = table;
        this.invocations = invocations;
        this.mode = mode;
        this.limit = limit;
        this.delay = delay;
    }

    /** Creates the baseline's table with the key schema of the entitlements table contract. */
    static void createTable(DynamoDbClient dynamo, String table) {
        dynamo.createTable(r -> r.tableName(table)
                .keySchema(
                        KeySchemaElement.builder()
                                .attributeName(Items.USER_ID)
                                .keyType(KeyType.HASH)
                                .build(),
                        KeySchemaElement.builder()
                                .attributeName(Items.ENTITLEMENT_KEY)
                                .keyType(KeyType.RANGE)
                                .build())
                .attributeDefinitions(
                        AttributeDefinition.builder()
                                .attributeName(Items.USER_ID)
                                .attributeType(ScalarAttributeType.S)
                                .build(),
                        AttributeDefinition.builder()
                                .attributeName(Items.ENTITLEMENT_KEY)
                                .attributeType(ScalarAttributeType.S)
                                .build())
                .billingMode(BillingMode.PAY_PER_REQUEST));
        dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
    }

    /** Writes one item per key as the grant would leave it: active, count 0, the given limit and period window. */
    static void putItems(
            DynamoDbClient dynamo,
            String table,
            List<EntitlementId> keys,
            long limit,
            String period,
            PeriodWindow window) {
        List<WriteRequest> pending = new ArrayList<>();
        for (EntitlementId id : keys) {
            Map<String, AttributeValue> item = new HashMap<>(Items.key(id));
            item.put("active", AttributeValue.fromBool(true));
            item.put("usageLimit", AttributeValue.fromN(Long.toString(limit)));
            item.put(Items.USAGE_COUNT, AttributeValue.fromN("0"));
            item.put("overLimit", AttributeValue.fromS("REJECT"));
            item.put("period", AttributeValue.fromS(period));
            item.put("periodStart", AttributeValue.fromS(window.start().toString()));
            if (window.end() != null) {
                item.put("periodEnd", AttributeValue.fromS(window.end().toString()));
            }
            item.put(Items.VERSION, AttributeValue.fromN("0"));
            item.put("updatedAt", AttributeValue.fromS(Instant.now().toString()));
            pending.add(WriteRequest.builder()
                    .putRequest(PutRequest.builder().item(item).build())
                    .build());
            if (pending.size() == 25) {
                write(dynamo, table, pending);
                pending = new ArrayList<>();
            }
        }
        if (!pending.isEmpty()) {
            write(dynamo, table, pending);
        }
    }

    private static void write(DynamoDbClient dynamo, String table, List<WriteRequest> requests) {
        Map<String, List<WriteRequest>> request = Map.of(table, requests);
        while (request != null && !request.isEmpty()) {
            Map<String, List<WriteRequest>> items = request;
            BatchWriteItemResponse response = dynamo.batchWriteItem(r -> r.requestItems(items));
            request = response.unprocessedItems();
        }
    }

    void start() {
        running = true;
        for (int i = 0; i < invocations; i++) {
            Thread thread = new Thread(this::poll, "seed-lambda-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Stops taking new batches and waits for the invocations in progress. */
    void stop() throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join(60_000);
        }
        threads.clear();
    }

    /** The first unexpected failure of an invocation (an SDK error, say), or null. */
    Throwable error() {
        return error.get();
    }

    private void poll() {
        while (running) {
            try {
                List<Message> batch = receive();
                if (batch.isEmpty()) {
                    continue;
                }
                batches.increment();
                List<Message> done = new ArrayList<>(batch.size());
                for (Message message : batch) {
                    if (mode == Mode.UPDATE_ITEM ? handleWithOneUpdate(message) : handle(message)) {
                        recordDelay(message);
                        done.add(message);
                        succeeded.increment();
                    } else {
                        failed.increment();
                    }
                }
                delete(done);
            } catch (RuntimeException e) {
                error.compareAndSet(null, e);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Up to 20 messages: what the event source mapping hands one invocation. */
    private List<Message> receive() {
        List<Message> batch = new ArrayList<>(sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                        .maxNumberOfMessages(RECEIVE_LIMIT)
                        .messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP)
                        .waitTimeSeconds(1))
                .messages());
        if (batch.size() == RECEIVE_LIMIT) {
            batch.addAll(sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                            .maxNumberOfMessages(BATCH_SIZE - RECEIVE_LIMIT)
                            .messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP)
                            .waitTimeSeconds(0))
                    .messages());
        }
        return batch;
    }

    private void delete(List<Message> done) {
        for (int from = 0; from < done.size(); from += RECEIVE_LIMIT) {
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            List<Message> chunk = done.subList(from, Math.min(done.size(), from + RECEIVE_LIMIT));
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder()
                        .id(Integer.toString(i))
                        .receiptHandle(chunk.get(i).receiptHandle())
                        .build());
            }
            sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
        }
    }

    private void recordDelay(Message message) {
        String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        if (delay != null && sent != null) {
            delay.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - Long.parseLong(sent))));
        }
    }

    /**
     * One record by the single-UpdateItem design: ADD the amount where the item is active, its count leaves room for
     * the amount under the limit, and its period has not ended. @return true when the usage was applied
     */
    boolean handleWithOneUpdate(Message message) {
        Usage usage = Usage.of(message);
        if (usage == null) {
            return false;
        }
        Map<String, AttributeValue> key = usage.key();
        long amount = usage.amount();
        Instant now = Instant.now();
        try {
            dynamo.updateItem(r -> r.tableName(table)
                    .key(key)
                    .updateExpression("SET #ua = :now ADD #c :amount, #v :one")
                    .conditionExpression("#a = :true AND #c <= :room AND (attribute_not_exists(#pe) OR #pe > :now)")
                    .expressionAttributeNames(Map.of(
                            "#c",
                            Items.USAGE_COUNT,
                            "#a",
                            "active",
                            "#pe",
                            "periodEnd",
                            "#ua",
                            "updatedAt",
                            "#v",
                            Items.VERSION))
                    .expressionAttributeValues(Map.of(
                            ":now", AttributeValue.fromS(now.toString()),
                            ":amount", AttributeValue.fromN(Long.toString(amount)),
                            ":one", AttributeValue.fromN("1"),
                            ":true", AttributeValue.fromBool(true),
                            ":room", AttributeValue.fromN(Long.toString(limit - amount)))));
            return true;
        } catch (ConditionalCheckFailedException periodOrLimit) {
            conflicts.increment();
            return handle(usage);
        }
    }

    /** A message's usage: its item's key and amount; null for a body the seed's Lambda would not apply. */
    private record Usage(Map<String, AttributeValue> key, long amount) {

        static Usage of(Message message) {
            JsonNode body;
            try {
                body = JSON.readTree(message.body());
            } catch (IOException e) {
                return null;
            }
            String userId = body.path("userId").asText(null);
            String entitlementKey = body.path("entitlementKey").asText(null);
            long amount = body.hasNonNull("amount") ? body.get("amount").asLong() : 1;
            if (userId == null || entitlementKey == null || amount < 1) {
                return null;
            }
            return new Usage(
                    Map.of(
                            Items.USER_ID,
                            AttributeValue.fromS(userId),
                            Items.ENTITLEMENT_KEY,
                            AttributeValue.fromS(entitlementKey)),
                    amount);
        }
    }

    /** One record of the batch; @return true when the usage was applied (the message is then deleted) */
    boolean handle(Message message) {
        Usage usage = Usage.of(message);
        return usage != null && handle(usage);
    }

    private boolean handle(Usage usage) {
        Map<String, AttributeValue> key = usage.key();
        long amount = usage.amount();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Map<String, AttributeValue> item = dynamo.getItem(
                            r -> r.tableName(table).key(key).consistentRead(true))
                    .item();
            if (item == null || item.isEmpty()) {
                return false; // ENTITLEMENT_NOT_FOUND
            }
            AttributeValue active = item.get("active");
            if (active == null || !Boolean.TRUE.equals(active.bool())) {
                return false; // ENTITLEMENT_INACTIVE
            }
            if (!item.containsKey("usageLimit") || !item.containsKey(Items.USAGE_COUNT)) {
                return false; // NO_USAGE_TRACKING
            }
            long limit = Long.parseLong(item.get("usageLimit").n());
            long stored = Long.parseLong(item.get(Items.USAGE_COUNT).n());
            String storedStart = item.get("periodStart").s();
            String periodEnd =
                    item.containsKey("periodEnd") ? item.get("periodEnd").s() : null;
            Instant now = Instant.now();
            long used = stored;
            String start = storedStart;
            String end = periodEnd;
            if (periodEnd != null && !now.isBefore(Instant.parse(periodEnd))) {
                // lazy reset: the period has passed, so the count starts again in the window that contains now
                Instant windowStart = Instant.parse(periodEnd);
                Instant windowEnd = next(item.get("period").s(), windowStart);
                while (!now.isBefore(windowEnd)) {
                    windowStart = windowEnd;
                    windowEnd = next(item.get("period").s(), windowStart);
                }
                used = 0;
                start = windowStart.toString();
                end = windowEnd.toString();
            }
            AttributeValue overLimit = item.get("overLimit");
            boolean reject = overLimit == null || !"RECORD_OVERAGE".equals(overLimit.s());
            if (reject && used + amount > limit) {
                return false; // LIMIT_EXCEEDED
            }
            Map<String, String> names = new HashMap<>();
            names.put("#c", Items.USAGE_COUNT);
            names.put("#ps", "periodStart");
            names.put("#ua", "updatedAt");
            names.put("#v", Items.VERSION);
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":new", AttributeValue.fromN(Long.toString(used + amount)));
            values.put(":old", AttributeValue.fromN(Long.toString(stored)));
            values.put(":ps", AttributeValue.fromS(start));
            values.put(":oldPs", AttributeValue.fromS(storedStart));
            values.put(":now", AttributeValue.fromS(now.toString()));
            values.put(":one", AttributeValue.fromN("1"));
            StringBuilder update = new StringBuilder("SET #c = :new, #ps = :ps, #ua = :now");
            if (end != null) {
                names.put("#pe", "periodEnd");
                values.put(":pe", AttributeValue.fromS(end));
                update.append(", #pe = :pe");
            }
            update.append(" ADD #v :one");
            try {
                dynamo.updateItem(r -> r.tableName(table)
                        .key(key)
                        .updateExpression(update.toString())
                        .conditionExpression("#c = :old AND #ps = :oldPs")
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(values));
                return true;
            } catch (ConditionalCheckFailedException raced) {
                conflicts.increment();
            }
        }
        return false;
    }

    private static Instant next(String period, Instant start) {
        ZonedDateTime at = start.atZone(ZoneOffset.UTC);
        return switch (period) {
            case "DAILY" -> at.plusDays(1).toInstant();
            case "WEEKLY" -> at.plusWeeks(1).toInstant();
            case "MONTHLY" -> at.plusMonths(1).toInstant();
            case "YEARLY" -> at.plusYears(1).toInstant();
            default -> throw new IllegalStateException("period " + period + " has no end");
        };
    }
}
