package dev.ledger.projection.dynamodb;

import dev.ledger.entitlement.EntitlementActivated;
import dev.ledger.entitlement.EntitlementDeactivated;
import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.EntitlementImported;
import dev.ledger.entitlement.PeriodReset;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.entitlement.UsagePolicyChanged;
import dev.ledger.entitlement.UsageReversed;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The change that one or more consecutive events of an entitlement make to its item. Every event carries absolute
 * values for the attributes it touches, so the changes of a batch merge in order into one write that carries the final
 * state: later values win, and a grant replaces the whole item. This is what lets a catching-up processor write once
 * per entitlement per batch instead of once per event.
 */
final class ItemChange {

    static final String USER_ID = "userId";
    static final String ENTITLEMENT_KEY = "entitlementKey";
    static final String ACTIVE = "active";
    static final String USAGE_LIMIT = "usageLimit";
    static final String USAGE_COUNT = "usageCount";
    static final String OVER_LIMIT = "overLimit";
    static final String PERIOD = "period";
    static final String PERIOD_START = "periodStart";
    static final String PERIOD_END = "periodEnd";
    static final String VERSION = "version";
    static final String GENERATION = "generation";
    static final String UPDATED_AT = "updatedAt";
    static final List<String> USAGE_ATTRIBUTES =
            List.of(USAGE_LIMIT, USAGE_COUNT, OVER_LIMIT, PERIOD, PERIOD_START, PERIOD_END);

    private final String userId;
    private final String entitlementKey;
    private final Map<String, AttributeValue> set = new LinkedHashMap<>();
    private final Set<String> remove = new LinkedHashSet<>();
    private boolean replacesItem;
    private long version = -1;
    private int events;

    ItemChange(String userId, String entitlementKey) {
        this.userId = userId;
        this.entitlementKey = entitlementKey;
    }

    String userId() {
        return userId;
    }

    String entitlementKey() {
        return entitlementKey;
    }

    /** True when the change contains the grant (or the import): the write replaces the item rather than updating it. */
    boolean replacesItem() {
        return replacesItem;
    }

    long version() {
        return version;
    }

    int events() {
        return events;
    }

    Map<String, AttributeValue> set() {
        return Collections.unmodifiableMap(set);
    }

    Set<String> remove() {
        return Collections.unmodifiableSet(remove);
    }

    /** Merges the effect of {@code event} (aggregate sequence number {@code sequence}) into this change. */
    ItemChange apply(Object event, long sequence) {
        if (sequence <= version) {
            return this;
        }
        if (event instanceof EntitlementGranted e) {
            set.clear();
            remove.clear();
            replacesItem = true;
            put(ACTIVE, AttributeValue.fromBool(e.active()));
            usage(e.usage(), 0, e.periodStart(), e.periodEnd());
        } else if (event instanceof EntitlementImported e) {
            // an import starts the entitlement like a grant: the item is written whole, adopted by the ledger
            set.clear();
            remove.clear();
            replacesItem = true;
            put(ACTIVE, AttributeValue.fromBool(e.active()));
            usage(e.usage(), e.used(), e.periodStart(), e.periodEnd());
        } else if (event instanceof UsagePolicyChanged e) {
            usage(e.usage(), e.used(), e.periodStart(), e.periodEnd());
        } else if (event instanceof EntitlementDeactivated) {
            put(ACTIVE, AttributeValue.fromBool(false));
        } else if (event instanceof EntitlementActivated) {
            put(ACTIVE, AttributeValue.fromBool(true));
        } else if (event instanceof PeriodReset e) {
            put(USAGE_COUNT, number(0));
            period(e.periodStart(), e.periodEnd());
        } else if (event instanceof UsageConsumed e && !e.late()) {
            put(USAGE_COUNT, number(e.usedAfter()));
            period(e.periodStart(), e.periodEnd());
        } else if (event instanceof UsageReversed e && e.usedAfter() != null) {
            // a reversal of usage in the tracked window lowers its count; one of an earlier window changes no attribute
            put(USAGE_COUNT, number(e.usedAfter()));
        }
        // any other event (late usage, reversals of earlier windows, types this table does not show) still moves the
        // version forward
        version = sequence;
        events++;
        return this;
    }

    /** The full item this change writes when it replaces the item, or the attributes it sets otherwise. */
    Map<String, AttributeValue> item(long generation, Instant now) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put(USER_ID, AttributeValue.fromS(userId));
        item.put(ENTITLEMENT_KEY, AttributeValue.fromS(entitlementKey));
        item.putAll(set);
        item.put(VERSION, number(version));
        item.put(GENERATION, number(generation));
        item.put(UPDATED_AT, AttributeValue.fromS(now.toString()));
        return item;
    }

    private void usage(UsagePolicy usage, long used, Instant periodStart, Instant periodEnd) {
        if (usage == null) {
            USAGE_ATTRIBUTES.forEach(this::delete);
            return;
        }
        put(USAGE_LIMIT, number(usage.limit()));
        put(USAGE_COUNT, number(used));
        put(OVER_LIMIT, AttributeValue.fromS(usage.overLimit().name()));
        put(PERIOD, AttributeValue.fromS(usage.period().name()));
        period(periodStart, periodEnd);
    }

    private void period(Instant start, Instant end) {
        put(PERIOD_START, AttributeValue.fromS(start.toString()));
        if (end == null) {
            delete(PERIOD_END);
        } else {
            put(PERIOD_END, AttributeValue.fromS(end.toString()));
        }
    }

    private void put(String name, AttributeValue value) {
        remove.remove(name);
        set.put(name, value);
    }

    private void delete(String name) {
        set.remove(name);
        if (!replacesItem) {
            remove.add(name);
        }
    }

    static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
