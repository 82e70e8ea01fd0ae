package dev.ledger.projection.dynamodb;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.projection.EventLog;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Compares every item of the entitlements table with the state computed from the event store, in chunks, so memory
 * stays bounded for any number of entitlements: events are read through the {@link EventLog} (upcast, in aggregate
 * order) and folded with the same {@link ItemChange} the projection uses; each chunk of expected items is fetched with
 * BatchGetItem; a scan of the table then finds items that have no events at all.
 */
@Component
public class DriftCheck {

    static final List<String> COMPARED = List.of(
            ItemChange.ACTIVE,
            ItemChange.USAGE_LIMIT,
            ItemChange.USAGE_COUNT,
            ItemChange.OVER_LIMIT,
            ItemChange.PERIOD,
            ItemChange.PERIOD_START,
            ItemChange.PERIOD_END,
            ItemChange.VERSION);
    private static final int CHUNK = 100;

    private final JdbcTemplate jdbc;
    private final EventLog events;
    private final EntitlementTable table;

    DriftCheck(JdbcTemplate jdbc, EventLog events, EntitlementTable table) {
        this.jdbc = jdbc;
        this.events = events;
        this.table = table;
    }

    /** One difference between the table and the events. {@code kind}: MISSING, EXTRA or DIFFERENT. */
    public record Drift(String kind, String userId, String entitlementKey, Map<String, FieldDiff> fields) {}

    /** A differing attribute: what the events say and what the table holds (null when absent). */
    public record FieldDiff(String expected, String actual) {}

    public record Report(long checked, List<Drift> drift, boolean truncated) {
        public boolean clean() {
            return drift.isEmpty();
        }
    }

    /** Runs a full check; at most {@code maxReported} differences are listed, but all are counted as checked. */
    public Report run(int maxReported) {
        List<Drift> drift = new ArrayList<>();
        long[] checked = {0};
        Consumer<Drift> report = d -> {
            if (drift.size() < maxReported) {
                drift.add(d);
            }
        };
        Map<String, ItemChange> chunk = new LinkedHashMap<>();
        // the events as the processors see them, through the upcaster chain (EventLog), like the one-pass rebuild
        events.readByAggregate(EntitlementTable.AGGREGATE, event -> {
            String aggregate = event.getAggregateIdentifier();
            ItemChange change = chunk.get(aggregate);
            if (change == null) {
                if (chunk.size() == CHUNK) {
                    checked[0] += compare(chunk, report);
                    chunk.clear();
                }
                EntitlementId id = EntitlementId.parse(aggregate);
                change = new ItemChange(id.userId(), id.entitlementKey());
                chunk.put(aggregate, change);
            }
            change.apply(event.getPayload(), event.getSequenceNumber());
        });
        if (!chunk.isEmpty()) {
            checked[0] += compare(chunk, report);
        }
        table.scan(page -> extras(page, report));
        return new Report(checked[0], drift, drift.size() >= maxReported);
    }

    private int compare(Map<String, ItemChange> expected, Consumer<Drift> report) {
        List<Map<String, AttributeValue>> keys = expected.values().stream()
                .map(c -> EntitlementTable.key(c.userId(), c.entitlementKey()))
                .toList();
        Map<String, Map<String, AttributeValue>> actual = new LinkedHashMap<>();
        for (Map<String, AttributeValue> item : table.getAll(keys)) {
            actual.put(
                    EntitlementId.of(
                                    item.get(ItemChange.USER_ID).s(),
                                    item.get(ItemChange.ENTITLEMENT_KEY).s())
                            .toString(),
                    item);
        }
        for (Map.Entry<String, ItemChange> entry : expected.entrySet()) {
            ItemChange change = entry.getValue();
            Map<String, AttributeValue> item = actual.get(entry.getKey());
            if (item == null) {
                report.accept(new Drift("MISSING", change.userId(), change.entitlementKey(), Map.of()));
                continue;
            }
            Map<String, AttributeValue> wanted = change.item(0, java.time.Instant.EPOCH);
            Map<String, FieldDiff> fields = new LinkedHashMap<>();
            for (String attribute : COMPARED) {
                String expectedValue = text(wanted.get(attribute));
                String actualValue = text(item.get(attribute));
                if (!Objects.equals(expectedValue, actualValue)) {
                    fields.put(attribute, new FieldDiff(expectedValue, actualValue));
                }
            }
            if (!fields.isEmpty()) {
                report.accept(new Drift("DIFFERENT", change.userId(), change.entitlementKey(), fields));
            }
        }
        return expected.size();
    }

    private void extras(List<Map<String, AttributeValue>> page, Consumer<Drift> report) {
        if (page.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>();
        for (Map<String, AttributeValue> item : page) {
            ids.add(item.get(ItemChange.USER_ID).s() + "#"
                    + item.get(ItemChange.ENTITLEMENT_KEY).s());
        }
        Set<String> known = new HashSet<>(jdbc.queryForList(
                "SELECT aggregate_identifier FROM domain_event_entry "
                        + "WHERE sequence_number = 0 AND aggregate_identifier = ANY (?)",
                String.class,
                (Object) ids.toArray(String[]::new)));
        for (Map<String, AttributeValue> item : page) {
            String id = item.get(ItemChange.USER_ID).s() + "#"
                    + item.get(ItemChange.ENTITLEMENT_KEY).s();
            if (!known.contains(id)) {
                report.accept(new Drift(
                        "EXTRA",
                        item.get(ItemChange.USER_ID).s(),
                        item.get(ItemChange.ENTITLEMENT_KEY).s(),
                        Map.of()));
            }
        }
    }

    private static String text(AttributeValue value) {
        if (value == null) {
            return null;
        }
        if (value.bool() != null) {
            return value.bool().toString();
        }
        return value.n() != null ? value.n() : value.s();
    }
}
