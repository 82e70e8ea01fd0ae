package dev.ledger.explain;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.Instants;
import dev.ledger.entitlement.PeriodWindow;
import dev.ledger.projection.EventLog;
import dev.ledger.projection.dynamodb.EntitlementTable;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Explains an entitlement's count in the window that contains an instant. The source of truth is the event store,
 * not the read models that lag behind it: one read of the entitlement's events ({@link EventLog#readAggregate}, upcast
 * like every other reader) per request, folded by {@link WindowFold}. Then the window's rejections from
 * {@code usage_rejection}, and, for the current window only, the DynamoDB item.
 */
@Component
public class Explanations {

    /** Rejections listed per window, the oldest first; the history API pages through all of them. */
    static final int MAX_REJECTIONS = 100;

    private static final Logger log = LoggerFactory.getLogger(Explanations.class);

    private final EventLog events;
    private final JdbcTemplate jdbc;
    private final EntitlementTable table;
    private final Clock clock;

    Explanations(EventLog events, JdbcTemplate jdbc, EntitlementTable table, Clock clock) {
        this.events = events;
        this.jdbc = jdbc;
        this.table = table;
        this.clock = clock;
    }

    /**
     * @param at the instant whose window to explain; {@code null} for now
     * @throws EntitlementRejection {@code ENTITLEMENT_NOT_FOUND} for an entitlement without events,
     *     {@code NO_USAGE_TRACKING} when no usage policy was in force at {@code at}
     */
    public Explanation explain(EntitlementId id, Instant at) {
        Instant now = clock.instant();
        Instant when = at == null ? now : at;
        WindowFold fold = new WindowFold(when);
        boolean exists = events.readAggregate(
                id.toString(),
                event -> fold.apply(
                        event.position(),
                        event.message().getTimestamp(),
                        event.message().getPayload()));
        if (!exists) {
            throw EntitlementRejection.notFound(id);
        }
        WindowFold.Window window = fold.window(id);
        Explanation.Table item = window.window().equals(fold.current(now))
                ? item(() -> table.usage(id.userId(), id.entitlementKey()), window, now)
                : null;
        return new Explanation(
                when,
                window.window().start(),
                window.window().end(),
                window.policy().limit(),
                window.policy().overLimit().name(),
                window.used(),
                window.entries(),
                rejections(id, window.window()),
                item);
    }

    private List<Explanation.Rejection> rejections(EntitlementId id, PeriodWindow window) {
        List<Object> arguments = new ArrayList<>(
                List.of(id.userId(), id.entitlementKey(), window.start().atOffset(ZoneOffset.UTC)));
        String sql = "SELECT reason_code, receive_count, outcome, rejected_at, dedup_key, message_id "
                + "FROM usage_rejection WHERE user_id = ? AND entitlement_key = ? AND rejected_at >= ?";
        if (window.end() != null) {
            sql += " AND rejected_at < ?";
            arguments.add(window.end().atOffset(ZoneOffset.UTC));
        }
        sql += " ORDER BY rejected_at, id LIMIT " + MAX_REJECTIONS;
        return jdbc.query(
                sql,
                (rs, row) -> new Explanation.Rejection(
                        rs.getString(1),
                        rs.getInt(2),
                        rs.getString(3),
                        rs.getTimestamp(4).toInstant(),
                        rs.getString(5),
                        rs.getString(6)),
                arguments.toArray());
    }

    /**
     * What the item holds, and whether a reader of the table sees the window's count: the table contract has readers
     * apply the lazy reset themselves, so an item whose window has ended by {@code now} reads as 0 in a later window.
     * A failing DynamoDB does not fail the explanation: the table part says so.
     */
    static Explanation.Table item(
            Supplier<Optional<EntitlementTable.ItemUsage>> read, WindowFold.Window window, Instant now) {
        Optional<EntitlementTable.ItemUsage> item;
        try {
            item = read.get();
        } catch (SdkException e) {
            // the cause stays in the log: a reader of the API need not see endpoints or request ids
            log.warn("The DynamoDB item could not be read for an explanation", e);
            return new Explanation.Table(
                    null,
                    null,
                    null,
                    false,
                    "the DynamoDB item could not be read (" + e.getClass().getSimpleName() + "); see the log");
        }
        return item.map(usage -> new Explanation.Table(
                        usage.usageCount(), usage.version(), usage.periodStart(), agrees(usage, window, now), null))
                .orElse(new Explanation.Table(null, null, null, false, null));
    }

    static boolean agrees(EntitlementTable.ItemUsage item, WindowFold.Window window, Instant now) {
        Optional<Instant> start = Optional.ofNullable(item.periodStart()).flatMap(Instants::parse);
        Optional<Instant> end = Optional.ofNullable(item.periodEnd()).flatMap(Instants::parse);
        if (item.usageCount() == null || start.isEmpty()) {
            return false;
        }
        if (end.isPresent() && !now.isBefore(end.get())) {
            // the item's window has ended: a reader sees 0 in a later window
            return window.used() == 0 && !window.window().start().isBefore(end.get());
        }
        return item.usageCount() == window.used()
                && start.get().equals(window.window().start());
    }
}
