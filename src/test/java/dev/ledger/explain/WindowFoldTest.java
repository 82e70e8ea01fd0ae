package dev.ledger.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementImported;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.PeriodReset;
import dev.ledger.entitlement.PeriodWindow;
import dev.ledger.entitlement.RejectionReason;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.entitlement.UsagePolicyChanged;
import dev.ledger.entitlement.UsageReversed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The fold's rules, one per test, on events written by hand as the aggregate emits them. */
class WindowFoldTest {

    private static final EntitlementId ID = EntitlementId.of("fold-user", "FOLD_KEY");
    private static final UsagePolicy MONTHLY = new UsagePolicy(10, Period.MONTHLY, null, OverLimit.REJECT);
    private static final Instant JAN = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant FEB = Instant.parse("2025-02-01T00:00:00Z");
    private static final Instant MAR = Instant.parse("2025-03-01T00:00:00Z");
    private static final Instant DEC = Instant.parse("2024-12-01T00:00:00Z");

    private final List<Object> events = new ArrayList<>();
    /** The window the events so far track and its count, as a {@link PeriodReset} names them. */
    private PeriodWindow tracked;

    private long used;

    private static Instant jan(int day) {
        return JAN.plusSeconds(86_400L * (day - 1));
    }

    private static Instant feb(int day) {
        return FEB.plusSeconds(86_400L * (day - 1));
    }

    private WindowFoldTest granted(Instant at, UsagePolicy usage, Instant start, Instant end) {
        events.add(new EntitlementGranted(ID.userId(), ID.entitlementKey(), true, usage, start, end, at));
        tracked = start == null ? null : new PeriodWindow(start, end);
        used = 0;
        return this;
    }

    private WindowFoldTest consumed(
            String key, long amount, Instant occurredAt, Instant start, Instant end, Long after) {
        events.add(new UsageConsumed(
                ID.userId(),
                ID.entitlementKey(),
                amount,
                occurredAt,
                start,
                end,
                after,
                10,
                after == null,
                key,
                key,
                Map.of()));
        used = after == null ? used : after;
        return this;
    }

    private WindowFoldTest reversed(String key, long amount, Instant start, Instant end, Long usedAfter) {
        events.add(new UsageReversed(
                ID.userId(),
                ID.entitlementKey(),
                "r-" + key,
                key,
                amount,
                0,
                start,
                start,
                end,
                false,
                usedAfter,
                "test",
                "tester",
                MAR));
        used = usedAfter == null ? used : usedAfter;
        return this;
    }

    private WindowFoldTest reset(PeriodReset.Reason reason, Instant at, Instant start, Instant end) {
        events.add(new PeriodReset(
                ID.userId(), ID.entitlementKey(), tracked.start(), tracked.end(), used, start, end, reason, at));
        tracked = new PeriodWindow(start, end);
        used = 0;
        return this;
    }

    private WindowFoldTest policyChanged(Instant at, UsagePolicy usage, Instant start, Instant end, long carried) {
        events.add(new UsagePolicyChanged(ID.userId(), ID.entitlementKey(), usage, start, end, carried, at));
        tracked = start == null ? null : new PeriodWindow(start, end);
        used = carried;
        return this;
    }

    private WindowFold fold(Instant at) {
        WindowFold fold = new WindowFold(at);
        for (int i = 0; i < events.size(); i++) {
            fold.apply(100 + i, MAR, events.get(i));
        }
        return fold;
    }

    private WindowFold.Window explain(Instant at) {
        return fold(at).window(ID);
    }

    private static List<String> types(WindowFold.Window window) {
        return window.entries().stream().map(Explanation.Entry::type).toList();
    }

    private static List<Long> usedAfter(WindowFold.Window window) {
        return window.entries().stream().map(Explanation.Entry::usedAfter).toList();
    }

    @Nested
    class TheCurrentWindow {

        @Test
        void is_opened_by_the_grant_and_counts_usage_on_time_with_its_positions() {
            granted(jan(2), MONTHLY, JAN, FEB)
                    .consumed("a", 3, jan(3), JAN, FEB, 3L)
                    .consumed("b", 2, jan(4), JAN, FEB, 5L);

            WindowFold.Window window = explain(jan(10));

            assertThat(window.window()).isEqualTo(new PeriodWindow(JAN, FEB));
            assertThat(window.used()).isEqualTo(5);
            assertThat(types(window)).containsExactly("EntitlementGranted", "UsageConsumed", "UsageConsumed");
            assertThat(usedAfter(window)).containsExactly(0L, 3L, 5L);
            assertThat(window.entries().get(1).position()).isEqualTo(101);
            assertThat(window.entries().get(1).dedupKey()).isEqualTo("a");
            assertThat(window.entries().get(2).amount()).isEqualTo(2);
        }

        @Test
        void a_manual_reset_sets_the_count_to_zero() {
            granted(jan(2), MONTHLY, JAN, FEB)
                    .consumed("a", 3, jan(3), JAN, FEB, 3L)
                    .reset(PeriodReset.Reason.MANUAL, jan(4), JAN, FEB)
                    .consumed("b", 1, jan(5), JAN, FEB, 1L);

            WindowFold.Window window = explain(jan(10));

            assertThat(types(window))
                    .containsExactly("EntitlementGranted", "UsageConsumed", "ManualReset", "UsageConsumed");
            assertThat(usedAfter(window)).containsExactly(0L, 3L, 0L, 1L);
            assertThat(window.used()).isEqualTo(1);
        }

        @Test
        void a_reversal_of_usage_in_it_takes_the_count_the_event_carries() {
            granted(jan(2), MONTHLY, JAN, FEB)
                    .consumed("a", 3, jan(3), JAN, FEB, 3L)
                    .reversed("a", 2, JAN, FEB, 1L);

            WindowFold.Window window = explain(jan(10));

            Explanation.Entry reversal = window.entries().get(2);
            assertThat(reversal.type()).isEqualTo("UsageReversed");
            assertThat(reversal.amount()).isEqualTo(-2);
            assertThat(reversal.usedAfter()).isEqualTo(1);
            assertThat(reversal.dedupKey()).isEqualTo("a");
            assertThat(window.used()).isEqualTo(1);
        }

        @Test
        void an_import_opens_it_with_the_balance_carried_over() {
            UsagePolicy anchored = new UsagePolicy(10, Period.MONTHLY, JAN, OverLimit.REJECT);
            events.add(new EntitlementImported(
                    ID.userId(), ID.entitlementKey(), true, anchored, 7, JAN, FEB, "old-table", "ops", jan(5)));
            consumed("a", 1, jan(6), JAN, FEB, 8L);

            WindowFold.Window window = explain(jan(10));

            assertThat(types(window)).containsExactly("EntitlementImported", "UsageConsumed");
            assertThat(window.entries().get(0).amount()).isEqualTo(7);
            assertThat(usedAfter(window)).containsExactly(7L, 8L);
        }

        @Test
        void a_policy_change_that_keeps_the_window_carries_the_count_and_its_limit_applies() {
            UsagePolicy higher = new UsagePolicy(50, Period.MONTHLY, null, OverLimit.RECORD_OVERAGE);
            granted(jan(2), MONTHLY, JAN, FEB)
                    .consumed("a", 3, jan(3), JAN, FEB, 3L)
                    .policyChanged(jan(4), higher, JAN, FEB, 3);

            WindowFold.Window window = explain(jan(10));

            assertThat(types(window)).containsExactly("EntitlementGranted", "UsageConsumed", "UsagePolicyChanged");
            assertThat(usedAfter(window)).containsExactly(0L, 3L, 3L);
            assertThat(window.policy()).isEqualTo(higher);
        }

        @Test
        void once_it_has_ended_without_events_the_current_window_is_the_one_the_policy_computes_and_it_is_empty() {
            granted(jan(2), MONTHLY, JAN, FEB).consumed("a", 3, jan(3), JAN, FEB, 3L);

            WindowFold fold = fold(feb(10));

            assertThat(fold.current(feb(10))).isEqualTo(new PeriodWindow(FEB, MAR));
            WindowFold.Window window = fold.window(ID);
            assertThat(window.window()).isEqualTo(new PeriodWindow(FEB, MAR));
            assertThat(window.used()).isZero();
            assertThat(window.entries()).isEmpty();
        }
    }

    @Nested
    class AnEarlierWindow {

        @Test
        void keeps_its_count_at_close_and_the_next_window_opens_with_a_lazy_reset() {
            granted(jan(2), MONTHLY, JAN, FEB)
                    .consumed("a", 3, jan(3), JAN, FEB, 3L)
                    .reset(PeriodReset.Reason.LAZY, feb(2), FEB, MAR)
                    .consumed("b", 4, feb(2), FEB, MAR, 4L);

            WindowFold.Window january = explain(jan(20));
            WindowFold.Window february = explain(feb(20));

            assertThat(january.used()).isEqualTo(3);
            assertThat(types(january)).containsExactly("EntitlementGranted", "UsageConsumed");
            assertThat(february.used()).isEqualTo(4);
            assertThat(types(february)).containsExactly("PeriodReset", "UsageConsumed");
            assertThat(usedAfter(february)).containsExactly(0L, 4L);
        }

        @Test
        void adds_late_usage_to_its_total() {
            granted(jan(2), MONTHLY, JAN, FEB)
                    .consumed("a", 3, jan(3), JAN, FEB, 3L)
                    .reset(PeriodReset.Reason.LAZY, feb(2), FEB, MAR)
                    .consumed("late", 2, jan(30), JAN, FEB, null);

            WindowFold.Window january = explain(jan(20));

            assertThat(january.used()).isEqualTo(5);
            Explanation.Entry late = january.entries().get(2);
            assertThat(late.late()).isTrue();
            assertThat(late.usedAfter()).isEqualTo(5);
            assertThat(explain(feb(20)).used()).isZero();
        }

        @Test
        void drops_by_a_reversal_of_its_usage() {
            granted(jan(2), MONTHLY, JAN, FEB)
                    .consumed("a", 3, jan(3), JAN, FEB, 3L)
                    .consumed("b", 2, jan(4), JAN, FEB, 5L)
                    .reset(PeriodReset.Reason.LAZY, feb(2), FEB, MAR)
                    .reversed("a", 1, JAN, FEB, null)
                    .consumed("late", 2, jan(30), JAN, FEB, null)
                    .reversed("late", 2, JAN, FEB, null);

            WindowFold.Window january = explain(jan(20));

            assertThat(usedAfter(january)).containsExactly(0L, 3L, 5L, 4L, 6L, 4L);
            assertThat(january.entries().get(3).amount()).isEqualTo(-1);
            assertThat(january.used()).isEqualTo(4);
        }

        @Test
        void a_reversal_after_a_manual_reset_lowers_its_total_no_further_than_zero() {
            granted(jan(2), MONTHLY, JAN, FEB)
                    .consumed("a", 3, jan(3), JAN, FEB, 3L)
                    .reset(PeriodReset.Reason.MANUAL, jan(4), JAN, FEB)
                    .consumed("b", 1, jan(5), JAN, FEB, 1L)
                    .reset(PeriodReset.Reason.LAZY, feb(2), FEB, MAR)
                    .reversed("a", 3, JAN, FEB, null);

            WindowFold.Window january = explain(jan(20));

            assertThat(usedAfter(january)).containsExactly(0L, 3L, 0L, 1L, 0L);
            assertThat(january.used()).isZero();
        }

        @Test
        void before_the_grant_is_the_first_policys_window_and_holds_the_late_usage_that_landed_in_it() {
            granted(jan(2), MONTHLY, JAN, FEB).consumed("late", 4, DEC.plusSeconds(3600), DEC, JAN, null);

            WindowFold.Window december = explain(DEC.plusSeconds(86_400));

            assertThat(december.window()).isEqualTo(new PeriodWindow(DEC, JAN));
            assertThat(december.policy()).isEqualTo(MONTHLY);
            assertThat(types(december)).containsExactly("UsageConsumed");
            assertThat(usedAfter(december)).containsExactly(4L);
        }

        @Test
        void is_chosen_by_the_policy_in_force_then_after_a_change_of_period() {
            UsagePolicy daily = new UsagePolicy(3, Period.DAILY, null, OverLimit.REJECT);
            granted(jan(2), MONTHLY, JAN, FEB)
                    .consumed("a", 3, jan(3), JAN, FEB, 3L)
                    .policyChanged(jan(15), daily, jan(15), jan(16), 0)
                    .consumed("b", 1, jan(15), jan(15), jan(16), 1L);

            WindowFold.Window before = explain(jan(10));
            WindowFold.Window after = explain(jan(15).plusSeconds(3600));
            WindowFold.Window later = explain(jan(20));

            assertThat(before.window()).isEqualTo(new PeriodWindow(JAN, FEB));
            assertThat(before.used()).isEqualTo(3);
            assertThat(after.window()).isEqualTo(new PeriodWindow(jan(15), jan(16)));
            assertThat(types(after)).containsExactly("UsagePolicyChanged", "UsageConsumed");
            assertThat(after.used()).isEqualTo(1);
            assertThat(later.window()).isEqualTo(new PeriodWindow(jan(20), jan(21)));
            assertThat(later.used()).isZero();
            assertThat(later.policy()).isEqualTo(daily);
        }
    }

    @Nested
    class WithoutUsageTracking {

        @Test
        void an_entitlement_granted_without_a_policy_is_refused_with_no_usage_tracking() {
            granted(jan(2), null, null, null);

            assertThatThrownBy(() -> explain(jan(10)))
                    .isInstanceOf(EntitlementRejection.class)
                    .extracting(e -> ((EntitlementRejection) e).reason())
                    .isEqualTo(RejectionReason.NO_USAGE_TRACKING);
        }

        @Test
        void after_tracking_was_removed_it_is_refused_but_the_windows_tracked_before_are_explained() {
            granted(jan(2), MONTHLY, JAN, FEB)
                    .consumed("a", 3, jan(3), JAN, FEB, 3L)
                    .policyChanged(jan(10), null, null, null, 0);

            assertThatThrownBy(() -> explain(jan(20)))
                    .isInstanceOf(EntitlementRejection.class)
                    .extracting(e -> ((EntitlementRejection) e).reason())
                    .isEqualTo(RejectionReason.NO_USAGE_TRACKING);
            assertThat(explain(jan(5)).used()).isEqualTo(3);
            assertThat(fold(jan(20)).current(jan(20))).isNull();
        }
    }
}
