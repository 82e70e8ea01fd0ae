package dev.ledger.bench;

import dev.ledger.entitlement.EntitlementId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/** Reads items of the entitlements table contract ({@code userId}, {@code entitlementKey}, {@code usageCount}, …). */
final class Items {

    static final String USER_ID = "userId";
    static final String ENTITLEMENT_KEY = "entitlementKey";
    static final String USAGE_COUNT = "usageCount";
    static final String GENERATION = "generation";
    static final String VERSION = "version";
    /** BatchGetItem reads at most 100 keys per call. */
    static final int BATCH_GET_LIMIT = 100;

    private Items() {}

    static Map<String, AttributeValue> key(EntitlementId id) {
        return Map.of(
                USER_ID, AttributeValue.fromS(id.userId()), ENTITLEMENT_KEY, AttributeValue.fromS(id.entitlementKey()));
    }

    /** {@code userId#entitlementKey} of an item, as {@link EntitlementId#toString()} writes it. */
    static String idOf(Map<String, AttributeValue> item) {
        return item.get(USER_ID).s() + "#" + item.get(ENTITLEMENT_KEY).s();
    }

    /** A number attribute, or -1 when the item or the attribute is missing. */
    static long number(Map<String, AttributeValue> item, String attribute) {
        if (item == null) {
            return -1;
        }
        AttributeValue value = item.get(attribute);
        return value == null || value.n() == null ? -1 : Long.parseLong(value.n());
    }

    /**
     * Reads the items of {@code keys} with consistent reads, 100 per call. Element {@code i} of the result is the item
     * of {@code keys.get(i)}, or {@code null} when there is none. {@code projection} names the attributes to read
     * (all when empty).
     */
    static List<Map<String, AttributeValue>> read(
            DynamoDbClient dynamo, String table, List<EntitlementId> keys, String... projection) {
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            positions.put(keys.get(i).toString(), i);
        }
        List<Map<String, AttributeValue>> result = new ArrayList<>(Collections.nCopies(keys.size(), null));
        for (int from = 0; from < keys.size(); from += BATCH_GET_LIMIT) {
            List<Map<String, AttributeValue>> chunk = new ArrayList<>();
            for (EntitlementId id : keys.subList(from, Math.min(keys.size(), from + BATCH_GET_LIMIT))) {
                chunk.add(key(id));
            }
            for (Map<String, AttributeValue> item : batchGet(dynamo, table, chunk, projection)) {
                Integer position = positions.get(idOf(item));
                if (position != null) {
                    result.set(position, item);
                }
            }
        }
        return result;
    }

    /** One BatchGetItem of up to 100 keys, resending unprocessed keys until all are read. */
    static List<Map<String, AttributeValue>> batchGet(
            DynamoDbClient dynamo, String table, List<Map<String, AttributeValue>> keys, String... projection) {
        KeysAndAttributes.Builder wanted =
                KeysAndAttributes.builder().keys(keys).consistentRead(true);
        if (projection.length > 0) {
            Map<String, String> names = new HashMap<>();
            List<String> placeholders = new ArrayList<>();
            for (int i = 0; i < projection.length; i++) {
                names.put("#p" + i, projection[i]);
                placeholders.add("#p" + i);
            }
            wanted.projectionExpression(String.join(", ", placeholders)).expressionAttributeNames(names);
        }
        Map<String, KeysAndAttributes> request = Map.of(table, wanted.build());
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        while (request != null && !request.isEmpty()) {
            BatchGetItemResponse response = dynamo.batchGetItem(
                    BatchGetItemRequest.builder().requestItems(request).build());
            items.addAll(response.responses().getOrDefault(table, List.of()));
            request = response.unprocessedKeys();
        }
        return items;
    }
}
