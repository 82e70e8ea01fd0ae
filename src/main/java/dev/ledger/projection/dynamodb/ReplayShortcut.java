package dev.ledger.projection.dynamodb;

import java.sql.Array;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What makes a rebuild write each item once instead of once per event (ADR 0012). During a replay every entitlement's
 * item must end as its events up to the reset position make it; the intermediate states need never be written. So
 * for the entitlements of a replayed batch this looks up the last event at or before the reset position: a change that
 * stops short of it is skipped, and the change that reaches it is written as the whole item, folded from the
 * entitlement's own events in the store. Events after the reset position are written as usual.
 */
@Component
class ReplayShortcut {

    private final JdbcTemplate jdbc;
    private final EventStorageEngine events;

    ReplayShortcut(JdbcTemplate jdbc, EventStorageEngine events) {
        this.jdbc = jdbc;
        this.events = events;
    }

    /**
     * @return for each aggregate identifier, the sequence number of its last event with a global index at or before
     *     {@code head}; identifiers without one are absent
     */
    Map<String, Long> lastSequences(Collection<String> aggregates, long head) {
        Map<String, Long> last = new HashMap<>();
        // per entitlement one backward scan of the (aggregate_identifier, sequence_number) index, stopping at the
        // first event at or before the reset position: usually the newest one
        jdbc.query(connection -> {
            var statement = connection.prepareStatement("""
                    SELECT a.id, (SELECT e.sequence_number FROM domain_event_entry e
                                  WHERE e.aggregate_identifier = a.id AND e.global_index <= ?
                                  ORDER BY e.sequence_number DESC LIMIT 1)
                    FROM unnest(?) AS a(id)""");
            Array ids = connection.createArrayOf("varchar", aggregates.toArray());
            statement.setLong(1, head);
            statement.setArray(2, ids);
            return statement;
        }, rs -> {
            long sequence = rs.getLong(2);
            if (!rs.wasNull()) {
                last.put(rs.getString(1), sequence);
            }
        });
        return last;
    }

    /** The whole item as the entitlement's events up to and including {@code upTo} make it. */
    ItemChange fold(String aggregate, String userId, String entitlementKey, long upTo) {
        ItemChange change = new ItemChange(userId, entitlementKey);
        DomainEventStream stream = events.readEvents(aggregate, 0);
        while (stream.hasNext()) {
            DomainEventMessage<?> event = stream.next();
            if (event.getSequenceNumber() > upTo) {
                break;
            }
            change.apply(event.getPayload(), event.getSequenceNumber());
        }
        return change;
    }
}
