package dev.ledger.importing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * A table as access-service left it: items in the ledger's table contract without {@code generation} (and mostly
 * without {@code version}), in every shape, with {@code invalid} broken items after them. Item {@code i} is user
 * {@code {prefix}-{i}}, key {@code AI_TUTOR_ACCESS}; its shape is {@code i % 10} ({@link Shape}), its usage count
 * {@code i % 50} and its limit 100.
 */
final class SourceTable {

    static final String KEY = "AI_TUTOR_ACCESS";
    static final long LIMIT = 100;

    /** The shape of item {@code i}: {@code values()[i % 10]}. */
    enum Shape {
        NO_TRACKING,
        NONE_PERIOD,
        DAILY,
        WEEKLY,
        MONTHLY,
        YEARLY,
        INACTIVE,
        EXPIRED_WINDOW,
        MISSING_OVER_LIMIT,
        RECORD_OVERAGE
    }

    /** The reasons of the broken items, one kind per {@code j % 5}. */
    static final List<String> INVALID_KINDS = List.of(
            "entitlementKey must match",
            "usageLimit must be >= 0",
            "unknown period 'FORTNIGHTLY'",
            "usageCount must be a number (N), got S",
            "active is missing");

    private SourceTable() {}

    static Shape shape(int i) {
        return Shape.values()[i % 10];
    }

    static long used(int i) {
        return i % 50;
    }

    static String user(String prefix, int i) {
        return prefix + "-" + i;
    }

    /** The start of the source window of item {@code i} (they do not depend on {@code i} beyond the shape). */
    static Instant periodStart(Shape shape, Instant now) {
        return switch (shape) {
            case NONE_PERIOD -> Instant.parse("2024-03-01T00:00:00Z");
            case DAILY, MISSING_OVER_LIMIT -> now.minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
            case WEEKLY -> now.minus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);
            case MONTHLY, INACTIVE, RECORD_OVERAGE ->
                now.minus(Duration.ofDays(10)).truncatedTo(ChronoUnit.SECONDS);
            case YEARLY -> now.minus(Duration.ofDays(100)).truncatedTo(ChronoUnit.SECONDS);
            case EXPIRED_WINDOW -> now.minus(Duration.ofDays(45)).truncatedTo(ChronoUnit.SECONDS);
            case NO_TRACKING -> null;
        };
    }

    static String period(Shape shape) {
        return switch (shape) {
            case NONE_PERIOD -> "NONE";
            case DAILY, MISSING_OVER_LIMIT -> "DAILY";
            case WEEKLY -> "WEEKLY";
            case MONTHLY, INACTIVE, RECORD_OVERAGE, EXPIRED_WINDOW -> "MONTHLY";
            case YEARLY -> "YEARLY";
            case NO_TRACKING -> null;
        };
    }

    static Map<String, AttributeValue> item(String prefix, int i, Instant now) {
        Shape shape = shape(i);
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("userId", AttributeValue.fromS(user(prefix, i)));
        item.put("entitlementKey", AttributeValue.fromS(KEY));
        item.put("active", AttributeValue.fromBool(shape != Shape.INACTIVE));
        item.put("updatedAt", AttributeValue.fromS(now.toString()));
        if (shape == Shape.NO_TRACKING) {
            return item;
        }
        Instant start = periodStart(shape, now);
        item.put("usageLimit", AttributeValue.fromN(Long.toString(LIMIT)));
        item.put("usageCount", AttributeValue.fromN(Long.toString(used(i))));
        item.put("period", AttributeValue.fromS(period(shape)));
        item.put("periodStart", AttributeValue.fromS(start.toString()));
        if (shape != Shape.MISSING_OVER_LIMIT) {
            item.put("overLimit", AttributeValue.fromS(shape == Shape.RECORD_OVERAGE ? "RECORD_OVERAGE" : "REJECT"));
        }
        if (shape == Shape.YEARLY) {
            // written by a service that kept a version of its own, but no generation
            item.put("version", AttributeValue.fromN("17"));
        }
        String end = switch (shape) {
            case NONE_PERIOD -> null;
            case DAILY, MISSING_OVER_LIMIT -> start.plus(Duration.ofDays(1)).toString();
            case WEEKLY -> start.plus(Duration.ofDays(7)).toString();
            case YEARLY ->
                start.atZone(java.time.ZoneOffset.UTC).plusYears(1).toInstant().toString();
            default ->
                start.atZone(java.time.ZoneOffset.UTC).plusMonths(1).toInstant().toString();
        };
        if (end != null) {
            item.put("periodEnd", AttributeValue.fromS(end));
        }
        return item;
    }

    static Map<String, AttributeValue> invalidItem(String prefix, int j) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("userId", AttributeValue.fromS(prefix + "-invalid-" + j));
        item.put("entitlementKey", AttributeValue.fromS(j % 5 == 0 ? "lower_case_key" : KEY));
        item.put("active", AttributeValue.fromBool(true));
        item.put("usageLimit", AttributeValue.fromN(j % 5 == 1 ? "-5" : "100"));
        item.put("usageCount", j % 5 == 3 ? AttributeValue.fromS("lots") : AttributeValue.fromN("1"));
        item.put("period", AttributeValue.fromS(j % 5 == 2 ? "FORTNIGHTLY" : "DAILY"));
        item.put("periodStart", AttributeValue.fromS("2026-01-01T00:00:00Z"));
        if (j % 5 == 4) {
            item.remove("active");
        }
        return item;
    }

    /** Creates {@code table} with the key of the ledger's table contract, as another system's table has it. */
    static void create(DynamoDbClient dynamo, String table) {
        dynamo.createTable(r -> r.tableName(table)
                .keySchema(
                        KeySchemaElement.builder()
                                .attributeName("userId")
                                .keyType(KeyType.HASH)
                                .build(),
                        KeySchemaElement.builder()
                                .attributeName("entitlementKey")
                                .keyType(KeyType.RANGE)
                                .build())
                .attributeDefinitions(
                        AttributeDefinition.builder()
                                .attributeName("userId")
                                .attributeType(ScalarAttributeType.S)
                                .build(),
                        AttributeDefinition.builder()
                                .attributeName("entitlementKey")
                                .attributeType(ScalarAttributeType.S)
                                .build())
                .billingMode(BillingMode.PAY_PER_REQUEST));
        // not the SDK's waiter: it looks again only after 20 s, and dynalite's new tables are CREATING for 0.5 s
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() ->
                        dynamo.describeTable(r -> r.tableName(table)).table().tableStatus() == TableStatus.ACTIVE);
    }

    /** Writes {@code count} valid and {@code invalid} broken items with 8 writers, 25 items per BatchWriteItem. */
    static void seed(DynamoDbClient dynamo, String table, String prefix, int count, int invalid, Instant now)
            throws Exception {
        List<Map<String, AttributeValue>> items = new ArrayList<>(count + invalid);
        for (int i = 0; i < count; i++) {
            items.add(item(prefix, i, now));
        }
        for (int j = 0; j < invalid; j++) {
            items.add(invalidItem(prefix, j));
        }
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int from = 0; from < items.size(); from += 25) {
                List<Map<String, AttributeValue>> batch = items.subList(from, Math.min(from + 25, items.size()));
                writes.add(writers.submit(() -> write(dynamo, table, batch)));
            }
            for (Future<?> write : writes) {
                write.get();
            }
        } finally {
            writers.shutdown();
        }
    }

    private static void write(DynamoDbClient dynamo, String table, List<Map<String, AttributeValue>> batch) {
        List<WriteRequest> requests = batch.stream()
                .map(item -> WriteRequest.builder()
                        .putRequest(PutRequest.builder().item(item).build())
                        .build())
                .toList();
        Map<String, List<WriteRequest>> pending = Map.of(table, requests);
        while (!pending.isEmpty()) {
            Map<String, List<WriteRequest>> request = pending;
            var response = dynamo.batchWriteItem(r -> r.requestItems(request));
            pending = response.unprocessedItems() == null ? Map.of() : response.unprocessedItems();
        }
    }
}
