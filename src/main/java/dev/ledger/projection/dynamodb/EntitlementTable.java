package dev.ledger.projection.dynamodb;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * The shared entitlements table: one item per user and entitlement key (table contract in the README). Every write is
 * conditional on the event it comes from, so duplicates, stolen claims and redelivered batches never roll an item back:
 * {@code attribute_not_exists(userId) OR attribute_not_exists(generation) OR generation < :g OR (generation = :g AND
 * version < :v)}. An item without {@code generation} was written by another system before the ledger adopted the
 * table (adr/0017): it is older than every generation, so the ledger's first write to it wins. A failed condition
 * means "already applied" and is counted, not raised.
 */
@Component
public class EntitlementTable {

    private static final Logger log = LoggerFactory.getLogger(EntitlementTable.class);
    /** The aggregate type whose events the table is built from. */
    static final String AGGREGATE = "Entitlement";

    static final String GUARD =
            "attribute_not_exists(#uid) OR attribute_not_exists(#gen) OR #gen < :g " + "OR (#gen = :g AND #ver < :v)";
    private static final Map<String, String> GUARD_NAMES =
            Map.of("#uid", ItemChange.USER_ID, "#gen", ItemChange.GENERATION, "#ver", ItemChange.VERSION);

    /** How often a table being created is described until it is ACTIVE, and for how long at most. */
    static final Duration CREATION_POLL = Duration.ofSeconds(1);

    static final Duration CREATION_TIMEOUT = Duration.ofMinutes(5);

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final LongAdder writes = new LongAdder();
    private final LongAdder conditionSkips = new LongAdder();

    EntitlementTable(DynamoDbClient dynamo, DynamoDbSettings settings, Clock clock, MeterRegistry meters) {
        this.dynamo = dynamo;
        this.table = settings.table();
        this.clock = clock;
        FunctionCounter.builder("ledger.projection.writes", writes, LongAdder::sum)
                .tag("processor", EntitlementTableProjector.PROCESSOR)
                .description("conditional item writes to the entitlements table")
                .register(meters);
        FunctionCounter.builder("ledger.projection.condition.skips", conditionSkips, LongAdder::sum)
                .tag("processor", EntitlementTableProjector.PROCESSOR)
                .description("writes skipped because the item already had this or a newer event")
                .register(meters);
    }

    /** The client, for tests that read what the projection wrote. */
    DynamoDbClient client() {
        return dynamo;
    }

    public String name() {
        return table;
    }

    /** Conditional writes done by this instance (the {@code ledger.projection.writes} counter). */
    double writes() {
        return writes.sum();
    }

    /** Writes skipped as already applied (the {@code ledger.projection.condition.skips} counter). */
    double conditionSkips() {
        return conditionSkips.sum();
    }

    /** Writes {@code change} unless the item already reflects it or a newer event. @return whether it was written */
    boolean write(ItemChange change, long generation) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":g", ItemChange.number(generation));
        values.put(":v", ItemChange.number(change.version()));
        try {
            if (change.replacesItem()) {
                dynamo.putItem(r -> r.tableName(table)
                        .item(change.item(generation, clock.instant()))
                        .conditionExpression(GUARD)
                        .expressionAttributeNames(GUARD_NAMES)
                        .expressionAttributeValues(values));
            } else {
                Map<String, String> names = new HashMap<>(GUARD_NAMES);
                List<String> sets = new ArrayList<>();
                int i = 0;
                for (Map.Entry<String, AttributeValue> attribute :
                        change.item(generation, clock.instant()).entrySet()) {
                    if (attribute.getKey().equals(ItemChange.USER_ID)
                            || attribute.getKey().equals(ItemChange.ENTITLEMENT_KEY)) {
                        continue;
                    }
                    names.put("#a" + i, attribute.getKey());
                    values.put(":a" + i, attribute.getValue());
                    sets.add("#a" + i + " = :a" + i);
                    i++;
                }
                List<String> removes = new ArrayList<>();
                for (String attribute : change.remove()) {
                    names.put("#r" + removes.size(), attribute);
                    removes.add("#r" + removes.size());
                }
                String update = "SET " + String.join(", ", sets)
                        + (removes.isEmpty() ? "" : " REMOVE " + String.join(", ", removes));
                dynamo.updateItem(r -> r.tableName(table)
                        .key(key(change.userId(), change.entitlementKey()))
                        .updateExpression(update)
                        .conditionExpression(GUARD)
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(values));
            }
            writes.increment();
            return true;
        } catch (ConditionalCheckFailedException alreadyApplied) {
            conditionSkips.increment();
            return false;
        }
    }

    /** Reads up to 100 items by key. */
    List<Map<String, AttributeValue>> getAll(List<Map<String, AttributeValue>> keys) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, KeysAndAttributes> request = Map.of(
                table,
                KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
        while (!request.isEmpty()) {
            Map<String, KeysAndAttributes> pending = request;
            var response = dynamo.batchGetItem(r -> r.requestItems(pending));
            items.addAll(response.responses().getOrDefault(table, List.of()));
            request = response.unprocessedKeys() == null ? Map.of() : response.unprocessedKeys();
        }
        return items;
    }

    /** What one item holds of an entitlement's usage (table contract); {@code null} for an absent attribute. */
    public record ItemUsage(Long usageCount, Long version, String periodStart, String periodEnd) {}

    /**
     * The usage attributes of one entitlement's item, read consistently, or empty when there is no item. Read with
     * BatchGetItem, which the task role grants for the drift check, so that the ledger needs no GetItem.
     */
    public Optional<ItemUsage> usage(String userId, String entitlementKey) {
        return getAll(List.of(key(userId, entitlementKey))).stream()
                .findFirst()
                .map(item -> new ItemUsage(
                        number(item.get(ItemChange.USAGE_COUNT)),
                        number(item.get(ItemChange.VERSION)),
                        text(item.get(ItemChange.PERIOD_START)),
                        text(item.get(ItemChange.PERIOD_END))));
    }

    private static Long number(AttributeValue value) {
        // an item another system wrote before the ledger adopted the table may hold "5.0"
        return value == null || value.n() == null ? null : new BigDecimal(value.n()).longValue();
    }

    private static String text(AttributeValue value) {
        return value == null ? null : value.s();
    }

    /** Scans the whole table page by page; memory holds one page at a time. */
    void scan(Consumer<List<Map<String, AttributeValue>>> page) {
        dynamo.scanPaginator(r -> r.tableName(table).consistentRead(true))
                .forEach(response -> page.accept(response.items()));
    }

    static Map<String, AttributeValue> key(String userId, String entitlementKey) {
        return Map.of(
                ItemChange.USER_ID,
                AttributeValue.fromS(userId),
                ItemChange.ENTITLEMENT_KEY,
                AttributeValue.fromS(entitlementKey));
    }

    /**
     * Creates the table if asked to and it is missing; otherwise fails clearly when it does not exist.
     *
     * @return whether the table was created (and is therefore empty)
     */
    boolean ensureExists(boolean create) {
        try {
            TableStatus status =
                    dynamo.describeTable(r -> r.tableName(table)).table().tableStatus();
            log.info("DynamoDB table {} is {}", table, status);
            return false;
        } catch (ResourceNotFoundException missing) {
            if (!create) {
                throw new IllegalStateException(
                        "DynamoDB table '" + table + "' does not exist. In AWS it is created by "
                                + "Terraform (infra/); set ledger.dynamodb.table (LEDGER_DYNAMODB_TABLE) to the shared table's "
                                + "name, or ledger.dynamodb.create-table=true to create it",
                        missing);
            }
            dynamo.createTable(r -> r.tableName(table)
                    .keySchema(
                            KeySchemaElement.builder()
                                    .attributeName(ItemChange.USER_ID)
                                    .keyType(KeyType.HASH)
                                    .build(),
                            KeySchemaElement.builder()
                                    .attributeName(ItemChange.ENTITLEMENT_KEY)
                                    .keyType(KeyType.RANGE)
                                    .build())
                    .attributeDefinitions(
                            AttributeDefinition.builder()
                                    .attributeName(ItemChange.USER_ID)
                                    .attributeType(ScalarAttributeType.S)
                                    .build(),
                            AttributeDefinition.builder()
                                    .attributeName(ItemChange.ENTITLEMENT_KEY)
                                    .attributeType(ScalarAttributeType.S)
                                    .build())
                    .billingMode(BillingMode.PAY_PER_REQUEST));
            // the SDK waiter's default looks again only every 20 s; a new table is ACTIVE within seconds in AWS (and
            // half a second in dynalite), so every start that creates it would wait 20 s for nothing
            dynamo.waiter()
                    .waitUntilTableExists(
                            r -> r.tableName(table),
                            o -> o.backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(CREATION_POLL))
                                    .waitTimeout(CREATION_TIMEOUT));
            log.info("Created DynamoDB table {}", table);
            return true;
        }
    }
}
