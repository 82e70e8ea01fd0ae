package dev.ledger.explain;

import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementImported;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.PeriodReset;
import dev.ledger.entitlement.PeriodWindow;
import dev.ledger.entitlement.RejectionReason;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.entitlement.UsagePolicyChanged;
import dev.ledger.entitlement.UsageReversed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds one entitlement's events, in order, into the count of the window that contains {@code at}, by the aggregate's
 * own rules ({@code Entitlement}): a window's total is keyed by its start; the event that opens it (grant, import, a
 * lazy {@code PeriodReset}, a policy change) sets it to the opening count; usage on time sets it to the event's
 * {@code usedAfter}; late usage adds to it; a reversal sets it to its {@code usedAfter}, or lowers it (never below
 * 0) when its window was not the tracked one; a manual reset sets it to 0; a policy change that keeps the window sets
 * it to the count carried over.
 *
 * <p>Only the events of windows that contain {@code at} are kept, so memory holds one window's events whatever the
 * history. Which of them is the answer is known at the end: the window the entitlement tracked at {@code at} if it
 * contains {@code at}, else the window the policy in force at {@code at} computes (the first policy before the grant:
 * late usage can land in windows before it).
 */
final class WindowFold {

    static final String GRANTED = "EntitlementGranted";
    static final String IMPORTED = "EntitlementImported";
    static final String PERIOD_RESET = "PeriodReset";
    static final String MANUAL_RESET = "ManualReset";
    static final String CONSUMED = "UsageConsumed";
    static final String REVERSED = "UsageReversed";
    static final String POLICY_CHANGED = "UsagePolicyChanged";

    /** A window the entitlement began to track at {@code from} under {@code policy}; both null without tracking. */
    private record Tracking(Instant from, PeriodWindow window, UsagePolicy policy) {}

    /** The count of one window and the events that made it. */
    private static final class Total {
        private long used;
        private final List<Explanation.Entry> entries = new ArrayList<>();
    }

    /** The window that contains {@code at}, its policy, its count and the events that make it up, oldest first. */
    record Window(PeriodWindow window, UsagePolicy policy, long used, List<Explanation.Entry> entries) {}

    private final Instant at;
    private final List<Tracking> trackings = new ArrayList<>();
    private final Map<Instant, Total> totals = new HashMap<>();
    /** The window the aggregate tracks and its policy, after the events so far. */
    private PeriodWindow tracked;

    private UsagePolicy policy;

    WindowFold(Instant at) {
        this.at = at;
    }

    /** Applies the next event of the entitlement: its global index, when it was recorded, and its payload. */
    void apply(long position, Instant recordedAt, Object event) {
        if (event instanceof EntitlementGranted e) {
            track(e.grantedAt(), e.usage(), e.periodStart(), e.periodEnd());
            open(tracked, e.usage() == null ? null : entry(GRANTED, position, e.grantedAt(), recordedAt, null, 0));
        } else if (event instanceof EntitlementImported e) {
            track(e.importedAt(), e.usage(), e.periodStart(), e.periodEnd());
            open(
                    tracked,
                    e.usage() == null
                            ? null
                            : entry(IMPORTED, position, e.importedAt(), recordedAt, e.used(), e.used()));
        } else if (event instanceof UsagePolicyChanged e) {
            track(e.changedAt(), e.usage(), e.periodStart(), e.periodEnd());
            open(
                    tracked,
                    e.usage() == null
                            ? null
                            : entry(POLICY_CHANGED, position, e.changedAt(), recordedAt, null, e.used()));
        } else if (event instanceof PeriodReset e) {
            track(e.resetAt(), policy, e.periodStart(), e.periodEnd());
            String type = e.reason() == PeriodReset.Reason.MANUAL ? MANUAL_RESET : PERIOD_RESET;
            open(tracked, entry(type, position, e.resetAt(), recordedAt, null, 0));
        } else if (event instanceof UsageConsumed e) {
            Total total = total(e.periodStart(), e.periodEnd());
            if (total != null) {
                long usedAfter = e.late() ? Math.addExact(total.used, e.amount()) : e.usedAfter();
                add(
                        total,
                        new Explanation.Entry(
                                CONSUMED,
                                position,
                                e.occurredAt(),
                                recordedAt,
                                e.amount(),
                                usedAfter,
                                e.dedupKey(),
                                e.late()));
            }
        } else if (event instanceof UsageReversed e) {
            Total total = total(e.periodStart(), e.periodEnd());
            if (total != null) {
                // usedAfter is there when the usage was in the tracked window; an earlier window's total drops
                long usedAfter = e.usedAfter() != null ? e.usedAfter() : Math.max(0, total.used - e.amount());
                add(
                        total,
                        new Explanation.Entry(
                                REVERSED,
                                position,
                                e.originalOccurredAt(),
                                recordedAt,
                                -e.amount(),
                                usedAfter,
                                e.reversalOf(),
                                false));
            }
        }
        // activation and deactivation do not change a count
    }

    /**
     * The window that contains {@code at}: the one the entitlement tracked then, when it contains {@code at}, else the
     * one the policy in force then computes.
     *
     * @throws EntitlementRejection {@code NO_USAGE_TRACKING} when no policy was in force at {@code at}
     */
    Window window(EntitlementId id) {
        Tracking then = null;
        for (Tracking tracking : trackings) {
            if (!tracking.from().isAfter(at)) {
                then = tracking;
            }
        }
        if (then == null && !trackings.isEmpty()) {
            then = trackings.get(0);
        }
        if (then == null || then.policy() == null) {
            throw new EntitlementRejection(
                    RejectionReason.NO_USAGE_TRACKING,
                    "entitlement " + id + " had no usage policy at " + at + ", so usage was not tracked then");
        }
        PeriodWindow window = then.window().contains(at)
                ? then.window()
                : then.policy().windowContaining(at, then.window().start());
        Total total = totals.get(window.start());
        return total == null
                ? new Window(window, then.policy(), 0, List.of())
                : new Window(window, then.policy(), total.used, List.copyOf(total.entries));
    }

    /**
     * The current window as a reader at {@code now} sees it (the state API's): the tracked one, or once it has ended
     * the one the policy computes for {@code now}; {@code null} without usage tracking.
     */
    PeriodWindow current(Instant now) {
        if (tracked == null || policy == null) {
            return null;
        }
        return tracked.hasEndedBy(now) ? policy.windowContaining(now, tracked.start()) : tracked;
    }

    private void track(Instant from, UsagePolicy next, Instant periodStart, Instant periodEnd) {
        policy = next;
        tracked = next == null ? null : new PeriodWindow(periodStart, periodEnd);
        trackings.add(new Tracking(from, tracked, policy));
    }

    /** The event that opens or resets a window sets its count; {@code entry} is null when it tracks no window. */
    private void open(PeriodWindow window, Explanation.Entry entry) {
        if (window == null || entry == null) {
            return;
        }
        Total total = total(window.start(), window.end());
        if (total != null) {
            add(total, entry);
        }
    }

    private static void add(Total total, Explanation.Entry entry) {
        total.used = entry.usedAfter();
        total.entries.add(entry);
    }

    /** The total of the window {@code [start, end)} when it contains {@code at}, else null: it cannot be the answer. */
    private Total total(Instant start, Instant end) {
        if (!new PeriodWindow(start, end).contains(at)) {
            return null;
        }
        return totals.computeIfAbsent(start, s -> new Total());
    }

    private static Explanation.Entry entry(
            String type, long position, Instant occurredAt, Instant recordedAt, Long amount, long usedAfter) {
        return new Explanation.Entry(type, position, occurredAt, recordedAt, amount, usedAfter, null, false);
    }
}
