package dev.ledger.projection.dynamodb;

import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads one item of the ledger's table the way access-service does (GetItem), for tests that check what the projection
 * wrote. The ledger itself never reads single items, so this is test code: the task role does not grant GetItem
 * (TaskRolePermissionsIT).
 */
public final class TableItems {

    private TableItems() {}

    public static Optional<Map<String, AttributeValue>> get(
            EntitlementTable table, String userId, String entitlementKey) {
        Map<String, AttributeValue> item = table.client()
                .getItem(r -> r.tableName(table.name())
                        .key(EntitlementTable.key(userId, entitlementKey))
                        .consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }
}
