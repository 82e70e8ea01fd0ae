package dev.ledger.entitlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EntitlementTest {

    private static final EntitlementId ID = EntitlementId.of("user-123", "AI_TUTOR_ACCESS");
    private static final String USER = ID.userId();
    private static final String KEY = ID.entitlementKey();
    private static final Instant ANCHOR = Instant.parse("2025-01-31T15:00:00Z");
    private static final UsagePolicy MONTHLY_100 = new UsagePolicy(100, Period.MONTHLY, ANCHOR, OverLimit.REJECT);
    private static final UsagePolicy SOFT_MONTHLY_100 =
            new UsagePolicy(100, Period.MONTHLY, ANCHOR, OverLimit.RECORD_OVERAGE);
    private static final Instant FEB_START = Instant.parse("2025-01-31T15:00:00Z");
    private static final Instant FEB_END = Instant.parse("2025-02-28T15:00:00Z");
    private static final Instant MAR_END = Instant.parse("2025-03-31T15:00:00Z");
    private static final Instant GRANTED_AT = Instant.parse("2025-02-01T09:00:00Z");
    private static final Map<String, Object> META = Map.of("source", "api");

    private FixtureConfiguration<Entitlement> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(Entitlement.class);
    }

    private static EntitlementGranted granted(UsagePolicy policy) {
        return new EntitlementGranted(
                USER,
                KEY,
                true,
                policy,
                policy == null ? null : FEB_START,
                policy == null ? null : FEB_END,
                GRANTED_AT);
    }

    private static ConsumeUsage consume(long amount, String at, String dedupKey) {
        return new ConsumeUsage(ID, amount, Instant.parse(at), dedupKey, META, "msg-" + dedupKey);
    }

    private static UsageConsumed consumed(
            long amount, String at, String dedupKey, Instant start, Instant end, Long usedAfter, boolean late) {
        return new UsageConsumed(
                USER,
                KEY,
                amount,
                Instant.parse(at),
                start,
                end,
                usedAfter,
                100,
                late,
                dedupKey,
                "msg-" + dedupKey,
                META);
    }

    private static Matcher<Throwable> limitExceeded(long limit, long used, long requested) {
        return new TypeSafeMatcher<>() {
            @Override
            protected boolean matchesSafely(Throwable item) {
                return item instanceof EntitlementRejection rejection
                        && rejection.reason() == RejectionReason.LIMIT_EXCEEDED
                        && rejection.limit() == limit
                        && rejection.used() == used
                        && rejection.requested() == requested;
            }

            @Override
            public void describeTo(Description description) {
                description.appendText(
                        "LIMIT_EXCEEDED with limit " + limit + ", used " + used + ", requested " + requested);
            }
        };
    }

    private static Matcher<Throwable> rejectedWith(RejectionReason reason) {
        return new TypeSafeMatcher<>() {
            @Override
            protected boolean matchesSafely(Throwable item) {
                return item instanceof EntitlementRejection rejection && rejection.reason() == reason;
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("EntitlementRejection with reason " + reason);
            }
        };
    }

    @Nested
    class Granting {

        @Test
        void grant_with_a_usage_policy_emits_EntitlementGranted_with_the_period_that_contains_the_grant() {
            fixture.givenNoPriorActivity()
                    .when(new GrantEntitlement(ID, true, MONTHLY_100, GRANTED_AT))
                    .expectSuccessfulHandlerExecution()
                    .expectEvents(granted(MONTHLY_100));
        }

        @Test
        void grant_without_a_policy_emits_EntitlementGranted_without_usage_tracking() {
            fixture.givenNoPriorActivity()
                    .when(new GrantEntitlement(ID, true, null, GRANTED_AT))
                    .expectEvents(new EntitlementGranted(USER, KEY, true, null, null, null, GRANTED_AT));
        }

        @Test
        void grant_with_calendar_aligned_policy_starts_at_the_first_of_the_month() {
            UsagePolicy calendar = new UsagePolicy(5, Period.MONTHLY, null, OverLimit.REJECT);
            fixture.givenNoPriorActivity()
                    .when(new GrantEntitlement(ID, false, calendar, GRANTED_AT))
                    .expectEvents(new EntitlementGranted(
                            USER,
                            KEY,
                            false,
                            calendar,
                            Instant.parse("2025-02-01T00:00:00Z"),
                            Instant.parse("2025-03-01T00:00:00Z"),
                            GRANTED_AT));
        }

        @Test
        void granting_an_existing_entitlement_is_rejected_with_ENTITLEMENT_EXISTS_and_emits_nothing() {
            fixture.given(granted(MONTHLY_100))
                    .when(new GrantEntitlement(ID, true, null, GRANTED_AT))
                    .expectException(rejectedWith(RejectionReason.ENTITLEMENT_EXISTS))
                    .expectNoEvents();
        }

        @Test
        void a_policy_with_a_negative_limit_is_invalid_input() {
            assertThatThrownBy(() -> new UsagePolicy(-1, Period.DAILY, null, OverLimit.REJECT))
                    .isInstanceOfSatisfying(
                            InvalidInput.class, e -> assertThat(e.code()).isEqualTo("INVALID_LIMIT"));
        }

        @Test
        void a_policy_without_over_limit_behaviour_defaults_to_REJECT() {
            assertThat(new UsagePolicy(1, Period.DAILY, null, null).overLimit()).isEqualTo(OverLimit.REJECT);
        }
    }

    @Nested
    class Importing {

        private static final String TABLE = "access-service-entitlements";
        private static final Instant IMPORTED_AT = Instant.parse("2025-02-10T12:00:00Z");
        private static final UsagePolicy SOURCE_MONTHLY_100 =
                new UsagePolicy(100, Period.MONTHLY, null, OverLimit.REJECT);

        private ImportEntitlement importOf(boolean active, UsagePolicy usage, long used, Instant periodStart) {
            return new ImportEntitlement(ID, active, usage, used, periodStart, TABLE, "admin", IMPORTED_AT);
        }

        private EntitlementImported imported(boolean active, UsagePolicy usage, long used, Instant start, Instant end) {
            return new EntitlementImported(USER, KEY, active, usage, used, start, end, TABLE, "admin", IMPORTED_AT);
        }

        @Test
        void import_creates_the_entitlement_with_its_opening_count_and_the_source_window_start_as_anchor() {
            fixture.givenNoPriorActivity()
                    .when(importOf(true, SOURCE_MONTHLY_100, 37, FEB_START))
                    .expectSuccessfulHandlerExecution()
                    .expectEvents(imported(true, MONTHLY_100, 37, FEB_START, FEB_END));
        }

        @Test
        void import_of_an_entitlement_without_tracking_has_no_policy_window_or_count() {
            fixture.givenNoPriorActivity()
                    .when(importOf(true, null, 0, null))
                    .expectEvents(imported(true, null, 0, null, null));
        }

        @Test
        void import_of_a_NONE_period_keeps_its_count_in_the_one_window_that_never_closes() {
            UsagePolicy none = new UsagePolicy(500, Period.NONE, null, OverLimit.RECORD_OVERAGE);
            Instant since = Instant.parse("2024-03-01T00:00:00Z");
            fixture.givenNoPriorActivity()
                    .when(importOf(true, none, 420, since))
                    .expectEvents(imported(
                            true,
                            new UsagePolicy(500, Period.NONE, since, OverLimit.RECORD_OVERAGE),
                            420,
                            since,
                            null));
        }

        @Test
        void import_of_an_inactive_entitlement_stays_inactive_and_refuses_usage() {
            fixture.givenNoPriorActivity()
                    .when(importOf(false, SOURCE_MONTHLY_100, 5, FEB_START))
                    .expectEvents(imported(false, MONTHLY_100, 5, FEB_START, FEB_END));
            fixture.given(imported(false, MONTHLY_100, 5, FEB_START, FEB_END))
                    .when(consume(1, "2025-02-11T00:00:00Z", "k1"))
                    .expectException(rejectedWith(RejectionReason.ENTITLEMENT_INACTIVE))
                    .expectNoEvents();
        }

        @Test
        void import_whose_source_window_has_passed_starts_with_0_used_in_the_window_that_contains_the_import() {
            Instant december = Instant.parse("2024-12-31T15:00:00Z");
            // the source's window [Dec 31, Jan 31) has passed at the import on Feb 10; its Feb window follows on
            fixture.givenNoPriorActivity()
                    .when(importOf(true, SOURCE_MONTHLY_100, 80, december))
                    .expectEvents(imported(
                            true,
                            new UsagePolicy(100, Period.MONTHLY, december, OverLimit.REJECT),
                            0,
                            FEB_START,
                            FEB_END));
        }

        @Test
        void import_of_an_entitlement_the_ledger_has_is_rejected_with_ENTITLEMENT_EXISTS_and_changes_nothing() {
            fixture.given(granted(MONTHLY_100))
                    .when(importOf(true, SOURCE_MONTHLY_100, 99, FEB_START))
                    .expectException(rejectedWith(RejectionReason.ENTITLEMENT_EXISTS))
                    .expectNoEvents();
        }

        @Test
        void a_second_import_of_the_same_entitlement_is_rejected_with_ENTITLEMENT_EXISTS() {
            fixture.given(imported(true, MONTHLY_100, 37, FEB_START, FEB_END))
                    .when(importOf(true, SOURCE_MONTHLY_100, 38, FEB_START))
                    .expectException(rejectedWith(RejectionReason.ENTITLEMENT_EXISTS))
                    .expectNoEvents();
        }

        @Test
        void usage_after_an_import_continues_from_the_imported_count() {
            fixture.given(imported(true, MONTHLY_100, 37, FEB_START, FEB_END))
                    .when(consume(3, "2025-02-11T00:00:00Z", "k1"))
                    .expectEvents(consumed(3, "2025-02-11T00:00:00Z", "k1", FEB_START, FEB_END, 40L, false));
        }

        @Test
        void usage_after_an_import_that_would_pass_the_limit_is_rejected_with_LIMIT_EXCEEDED() {
            fixture.given(imported(true, MONTHLY_100, 98, FEB_START, FEB_END))
                    .when(consume(3, "2025-02-11T00:00:00Z", "k1"))
                    .expectException(rejectedWith(RejectionReason.LIMIT_EXCEEDED))
                    .expectNoEvents();
        }

        @Test
        void usage_after_the_imported_window_ends_resets_the_count_on_the_anchor_of_the_source() {
            fixture.given(imported(true, MONTHLY_100, 98, FEB_START, FEB_END))
                    .when(consume(3, "2025-03-01T00:00:00Z", "k1"))
                    .expectEvents(
                            new PeriodReset(
                                    USER,
                                    KEY,
                                    FEB_START,
                                    FEB_END,
                                    98,
                                    FEB_END,
                                    MAR_END,
                                    PeriodReset.Reason.LAZY,
                                    Instant.parse("2025-03-01T00:00:00Z")),
                            consumed(3, "2025-03-01T00:00:00Z", "k1", FEB_END, MAR_END, 3L, false));
        }

        @Test
        void a_negative_imported_count_is_invalid_input() {
            assertThatThrownBy(() -> importOf(true, SOURCE_MONTHLY_100, -1, FEB_START))
                    .isInstanceOfSatisfying(
                            InvalidInput.class, e -> assertThat(e.code()).isEqualTo("INVALID_USAGE_COUNT"));
        }
    }

    @Nested
    class Consuming {

        @Test
        void usage_within_the_limit_emits_UsageConsumed_with_period_bounds_and_count_after() {
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(40, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 40L, false))
                    .when(consume(2, "2025-02-10T00:00:00Z", "k1"))
                    .expectResultMessagePayload(Consumption.COUNTED)
                    .expectEvents(consumed(2, "2025-02-10T00:00:00Z", "k1", FEB_START, FEB_END, 42L, false));
        }

        @Test
        void usage_that_reaches_the_limit_exactly_is_counted() {
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(99, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 99L, false))
                    .when(consume(1, "2025-02-10T00:00:00Z", "k1"))
                    .expectEvents(consumed(1, "2025-02-10T00:00:00Z", "k1", FEB_START, FEB_END, 100L, false));
        }

        @Test
        void usage_on_a_missing_entitlement_fails_as_not_found_and_emits_nothing() {
            fixture.givenNoPriorActivity()
                    .when(consume(1, "2025-02-10T00:00:00Z", "k1"))
                    .expectException(AggregateNotFoundException.class)
                    .expectNoEvents();
        }

        @Test
        void usage_on_an_inactive_entitlement_is_rejected_with_ENTITLEMENT_INACTIVE() {
            fixture.given(granted(MONTHLY_100), new EntitlementDeactivated(USER, KEY, GRANTED_AT))
                    .when(consume(1, "2025-02-10T00:00:00Z", "k1"))
                    .expectException(rejectedWith(RejectionReason.ENTITLEMENT_INACTIVE))
                    .expectNoEvents();
        }

        @Test
        void usage_on_an_entitlement_without_tracking_is_rejected_with_NO_USAGE_TRACKING() {
            fixture.given(granted(null))
                    .when(consume(1, "2025-02-10T00:00:00Z", "k1"))
                    .expectException(rejectedWith(RejectionReason.NO_USAGE_TRACKING))
                    .expectNoEvents();
        }

        @Test
        void usage_over_the_limit_is_rejected_with_LIMIT_EXCEEDED_carrying_limit_used_and_requested() {
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(95, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 95L, false))
                    .when(consume(6, "2025-02-10T00:00:00Z", "k1"))
                    .expectNoEvents()
                    .expectException(new TypeSafeMatcher<Throwable>() {
                        @Override
                        protected boolean matchesSafely(Throwable item) {
                            return item instanceof EntitlementRejection r
                                    && r.reason() == RejectionReason.LIMIT_EXCEEDED
                                    && r.limit() == 100
                                    && r.used() == 95
                                    && r.requested() == 6;
                        }

                        @Override
                        public void describeTo(Description description) {
                            description.appendText("LIMIT_EXCEEDED with limit 100, used 95, requested 6");
                        }
                    });
        }

        @Test
        void a_zero_limit_rejects_any_usage() {
            UsagePolicy none = new UsagePolicy(0, Period.MONTHLY, ANCHOR, OverLimit.REJECT);
            fixture.given(granted(none))
                    .when(consume(1, "2025-02-10T00:00:00Z", "k1"))
                    .expectException(rejectedWith(RejectionReason.LIMIT_EXCEEDED));
        }

        @Test
        void soft_limit_records_usage_past_the_limit() {
            fixture.given(
                            granted(SOFT_MONTHLY_100),
                            consumed(95, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 95L, false))
                    .when(consume(10, "2025-02-10T00:00:00Z", "k1"))
                    .expectEvents(consumed(10, "2025-02-10T00:00:00Z", "k1", FEB_START, FEB_END, 105L, false));
        }

        @ParameterizedTest
        @ValueSource(longs = {0, -1, 1_000_000_001L, Long.MAX_VALUE})
        void amounts_outside_1_to_one_billion_are_invalid_input(long amount) {
            assertThatThrownBy(() -> new ConsumeUsage(ID, amount, GRANTED_AT, "k", null, null))
                    .isInstanceOfSatisfying(
                            InvalidInput.class, e -> assertThat(e.code()).isEqualTo("INVALID_AMOUNT"));
        }

        @Test
        void a_command_without_dedup_key_is_invalid_input() {
            assertThatThrownBy(() -> new ConsumeUsage(ID, 1, GRANTED_AT, " ".strip(), null, null))
                    .isInstanceOfSatisfying(
                            InvalidInput.class, e -> assertThat(e.code()).isEqualTo("INVALID_DEDUP_KEY"));
        }
    }

    @Nested
    class LazyReset {

        @Test
        void usage_after_the_period_end_resets_into_the_next_period_first() {
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(40, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 40L, false))
                    .when(consume(3, "2025-03-05T00:00:00Z", "k1"))
                    .expectEvents(
                            new PeriodReset(
                                    USER,
                                    KEY,
                                    FEB_START,
                                    FEB_END,
                                    40,
                                    FEB_END,
                                    MAR_END,
                                    PeriodReset.Reason.LAZY,
                                    Instant.parse("2025-03-05T00:00:00Z")),
                            consumed(3, "2025-03-05T00:00:00Z", "k1", FEB_END, MAR_END, 3L, false));
        }

        @Test
        void usage_exactly_at_the_period_end_belongs_to_the_next_period() {
            fixture.given(granted(MONTHLY_100))
                    .when(consume(1, "2025-02-28T15:00:00Z", "k1"))
                    .expectEvents(
                            new PeriodReset(
                                    USER,
                                    KEY,
                                    FEB_START,
                                    FEB_END,
                                    0,
                                    FEB_END,
                                    MAR_END,
                                    PeriodReset.Reason.LAZY,
                                    FEB_END),
                            consumed(1, "2025-02-28T15:00:00Z", "k1", FEB_END, MAR_END, 1L, false));
        }

        @Test
        void usage_many_periods_later_resets_once_into_the_period_that_contains_it() {
            Instant julStart = Instant.parse("2025-07-31T15:00:00Z");
            Instant augEnd = Instant.parse("2025-08-31T15:00:00Z");
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(70, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 70L, false))
                    .when(consume(5, "2025-08-13T00:00:00Z", "k1"))
                    .expectEvents(
                            new PeriodReset(
                                    USER,
                                    KEY,
                                    FEB_START,
                                    FEB_END,
                                    70,
                                    julStart,
                                    augEnd,
                                    PeriodReset.Reason.LAZY,
                                    Instant.parse("2025-08-13T00:00:00Z")),
                            consumed(5, "2025-08-13T00:00:00Z", "k1", julStart, augEnd, 5L, false));
        }

        @Test
        void a_new_period_lets_usage_through_that_the_old_one_rejected() {
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(100, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 100L, false))
                    .when(consume(100, "2025-03-01T00:00:00Z", "k1"))
                    .expectSuccessfulHandlerExecution()
                    .expectEventsMatching(org.axonframework.test.matchers.Matchers.exactSequenceOf(
                            org.axonframework.test.matchers.Matchers.messageWithPayload(
                                    org.hamcrest.Matchers.instanceOf(PeriodReset.class)),
                            org.axonframework.test.matchers.Matchers.messageWithPayload(
                                    org.hamcrest.Matchers.instanceOf(UsageConsumed.class)),
                            org.axonframework.test.matchers.Matchers.andNoMore()));
        }

        @Test
        void a_rejected_usage_does_not_emit_the_reset_either() {
            fixture.given(granted(MONTHLY_100))
                    .when(consume(101, "2025-03-05T00:00:00Z", "k1"))
                    .expectException(rejectedWith(RejectionReason.LIMIT_EXCEEDED))
                    .expectNoEvents();
        }

        @Test
        void the_period_none_never_resets() {
            UsagePolicy lifetime = new UsagePolicy(100, Period.NONE, null, OverLimit.REJECT);
            EntitlementGranted grant = new EntitlementGranted(USER, KEY, true, lifetime, GRANTED_AT, null, GRANTED_AT);
            fixture.given(
                            grant,
                            new UsageConsumed(
                                    USER, KEY, 60, GRANTED_AT, GRANTED_AT, null, 60L, 100, false, "k0", "msg-k0", META))
                    .when(consume(40, "2035-01-01T00:00:00Z", "k1"))
                    .expectEvents(new UsageConsumed(
                            USER,
                            KEY,
                            40,
                            Instant.parse("2035-01-01T00:00:00Z"),
                            GRANTED_AT,
                            null,
                            100L,
                            100,
                            false,
                            "k1",
                            "msg-k1",
                            META));
        }
    }

    @Nested
    class LateUsage {

        private final PeriodReset intoMarch = new PeriodReset(
                USER,
                KEY,
                FEB_START,
                FEB_END,
                40,
                FEB_END,
                MAR_END,
                PeriodReset.Reason.LAZY,
                Instant.parse("2025-03-02T00:00:00Z"));

        @Test
        void usage_in_a_closed_period_is_recorded_late_with_that_periods_bounds() {
            fixture.given(
                            granted(MONTHLY_100),
                            intoMarch,
                            consumed(7, "2025-03-02T00:00:00Z", "k0", FEB_END, MAR_END, 7L, false))
                    .when(consume(5, "2025-02-27T23:59:00Z", "late"))
                    .expectEvents(consumed(5, "2025-02-27T23:59:00Z", "late", FEB_START, FEB_END, null, true));
        }

        @Test
        void late_usage_does_not_change_the_current_count() {
            fixture.given(
                            granted(MONTHLY_100),
                            intoMarch,
                            consumed(7, "2025-03-02T00:00:00Z", "k0", FEB_END, MAR_END, 7L, false),
                            consumed(5, "2025-02-27T23:59:00Z", "late", FEB_START, FEB_END, null, true))
                    .when(consume(1, "2025-03-03T00:00:00Z", "k2"))
                    .expectEvents(consumed(1, "2025-03-03T00:00:00Z", "k2", FEB_END, MAR_END, 8L, false));
        }

        @Test
        void late_usage_over_its_own_windows_limit_is_rejected_with_that_windows_count() {
            fixture.given(granted(MONTHLY_100), intoMarch)
                    .when(consume(61, "2025-02-20T00:00:00Z", "late"))
                    .expectNoEvents()
                    .expectException(limitExceeded(100, 40, 61));
        }

        @Test
        void late_usage_up_to_its_own_windows_limit_is_counted() {
            fixture.given(granted(MONTHLY_100), intoMarch)
                    .when(consume(60, "2025-02-20T00:00:00Z", "late"))
                    .expectEvents(consumed(60, "2025-02-20T00:00:00Z", "late", FEB_START, FEB_END, null, true));
        }

        @Test
        void late_usage_adds_to_its_windows_total_for_the_next_late_usage() {
            fixture.given(
                            granted(MONTHLY_100),
                            intoMarch,
                            consumed(50, "2025-02-20T00:00:00Z", "late1", FEB_START, FEB_END, null, true))
                    .when(consume(11, "2025-02-21T00:00:00Z", "late2"))
                    .expectException(limitExceeded(100, 90, 11));
        }

        @Test
        void late_usage_in_a_window_without_recorded_usage_is_judged_from_zero() {
            fixture.given(granted(MONTHLY_100), intoMarch)
                    .when(consume(101, "2025-01-15T00:00:00Z", "old"))
                    .expectException(limitExceeded(100, 0, 101));
        }

        @Test
        void late_usage_under_RECORD_OVERAGE_is_recorded_over_its_windows_limit() {
            fixture.given(granted(SOFT_MONTHLY_100), intoMarch)
                    .when(consume(500, "2025-02-20T00:00:00Z", "late"))
                    .expectEvents(consumed(500, "2025-02-20T00:00:00Z", "late", FEB_START, FEB_END, null, true));
        }

        /**
         * The race of issue 16: the window is full, a message is rejected, another message opens the next window, and
         * the first message comes again. It is judged against its own, still full window: the same decision.
         */
        @Test
        void a_rejected_usage_redelivered_after_the_window_rolled_over_is_still_rejected() {
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(100, "2025-02-10T00:00:00Z", "k0", FEB_START, FEB_END, 100L, false),
                            new PeriodReset(
                                    USER,
                                    KEY,
                                    FEB_START,
                                    FEB_END,
                                    100,
                                    FEB_END,
                                    MAR_END,
                                    PeriodReset.Reason.LAZY,
                                    Instant.parse("2025-03-01T00:00:00Z")),
                            consumed(1, "2025-03-01T00:00:00Z", "k1", FEB_END, MAR_END, 1L, false))
                    .when(consume(1, "2025-02-20T00:00:00Z", "first"))
                    .expectNoEvents()
                    .expectException(limitExceeded(100, 100, 1));
        }

        @Test
        void a_manual_reset_of_a_window_restarts_its_total_for_late_usage() {
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(100, "2025-02-10T00:00:00Z", "k0", FEB_START, FEB_END, 100L, false),
                            new PeriodReset(
                                    USER,
                                    KEY,
                                    FEB_START,
                                    FEB_END,
                                    100,
                                    FEB_START,
                                    FEB_END,
                                    PeriodReset.Reason.MANUAL,
                                    Instant.parse("2025-02-11T00:00:00Z")),
                            consumed(30, "2025-02-12T00:00:00Z", "k1", FEB_START, FEB_END, 30L, false),
                            new PeriodReset(
                                    USER,
                                    KEY,
                                    FEB_START,
                                    FEB_END,
                                    30,
                                    FEB_END,
                                    MAR_END,
                                    PeriodReset.Reason.LAZY,
                                    Instant.parse("2025-03-01T00:00:00Z")))
                    .when(consume(71, "2025-02-20T00:00:00Z", "late"))
                    .expectException(limitExceeded(100, 30, 71));
        }

        @Test
        void usage_several_periods_back_gets_the_bounds_of_its_own_period() {
            fixture.given(granted(MONTHLY_100), intoMarch)
                    .when(consume(1, "2025-01-15T00:00:00Z", "old"))
                    .expectEvents(consumed(
                            1,
                            "2025-01-15T00:00:00Z",
                            "old",
                            Instant.parse("2024-12-31T15:00:00Z"),
                            FEB_START,
                            null,
                            true));
        }

        @Test
        void late_usage_on_an_inactive_entitlement_is_still_rejected() {
            fixture.given(granted(MONTHLY_100), intoMarch, new EntitlementDeactivated(USER, KEY, GRANTED_AT))
                    .when(consume(1, "2025-02-20T00:00:00Z", "late"))
                    .expectException(rejectedWith(RejectionReason.ENTITLEMENT_INACTIVE));
        }
    }

    @Nested
    class ManualReset {

        @Test
        void reset_sets_the_count_to_zero_and_keeps_the_period() {
            Instant at = Instant.parse("2025-02-10T00:00:00Z");
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(100, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 100L, false))
                    .when(new ResetPeriod(ID, at))
                    .expectEvents(new PeriodReset(
                            USER, KEY, FEB_START, FEB_END, 100, FEB_START, FEB_END, PeriodReset.Reason.MANUAL, at));
        }

        @Test
        void usage_after_a_manual_reset_counts_from_zero() {
            Instant at = Instant.parse("2025-02-10T00:00:00Z");
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(100, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 100L, false),
                            new PeriodReset(
                                    USER,
                                    KEY,
                                    FEB_START,
                                    FEB_END,
                                    100,
                                    FEB_START,
                                    FEB_END,
                                    PeriodReset.Reason.MANUAL,
                                    at))
                    .when(consume(30, "2025-02-11T00:00:00Z", "k1"))
                    .expectEvents(consumed(30, "2025-02-11T00:00:00Z", "k1", FEB_START, FEB_END, 30L, false));
        }

        @Test
        void reset_after_the_period_has_passed_moves_to_the_current_period() {
            Instant at = Instant.parse("2025-03-10T00:00:00Z");
            fixture.given(granted(MONTHLY_100))
                    .when(new ResetPeriod(ID, at))
                    .expectEvents(new PeriodReset(
                            USER, KEY, FEB_START, FEB_END, 0, FEB_END, MAR_END, PeriodReset.Reason.MANUAL, at));
        }

        @Test
        void reset_without_usage_tracking_is_rejected_with_NO_USAGE_TRACKING() {
            fixture.given(granted(null))
                    .when(new ResetPeriod(ID, GRANTED_AT))
                    .expectException(rejectedWith(RejectionReason.NO_USAGE_TRACKING))
                    .expectNoEvents();
        }

        @Test
        void reset_of_a_missing_entitlement_fails_as_not_found() {
            fixture.givenNoPriorActivity()
                    .when(new ResetPeriod(ID, GRANTED_AT))
                    .expectException(AggregateNotFoundException.class);
        }
    }

    @Nested
    class ActivationAndPolicy {

        @Test
        void deactivate_emits_EntitlementDeactivated() {
            fixture.given(granted(MONTHLY_100))
                    .when(new DeactivateEntitlement(ID, GRANTED_AT))
                    .expectEvents(new EntitlementDeactivated(USER, KEY, GRANTED_AT));
        }

        @Test
        void deactivating_an_inactive_entitlement_changes_nothing() {
            fixture.given(granted(MONTHLY_100), new EntitlementDeactivated(USER, KEY, GRANTED_AT))
                    .when(new DeactivateEntitlement(ID, GRANTED_AT))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void activate_emits_EntitlementActivated_and_usage_is_counted_again() {
            fixture.given(granted(MONTHLY_100), new EntitlementDeactivated(USER, KEY, GRANTED_AT))
                    .when(new ActivateEntitlement(ID, GRANTED_AT))
                    .expectEvents(new EntitlementActivated(USER, KEY, GRANTED_AT));
            fixture.given(
                            granted(MONTHLY_100),
                            new EntitlementDeactivated(USER, KEY, GRANTED_AT),
                            new EntitlementActivated(USER, KEY, GRANTED_AT))
                    .when(consume(1, "2025-02-05T00:00:00Z", "k1"))
                    .expectResultMessagePayload(Consumption.COUNTED);
        }

        @Test
        void activating_an_active_entitlement_changes_nothing() {
            fixture.given(granted(MONTHLY_100))
                    .when(new ActivateEntitlement(ID, GRANTED_AT))
                    .expectNoEvents();
        }

        @Test
        void changing_the_limit_keeps_the_period_and_the_count() {
            UsagePolicy raised = new UsagePolicy(500, Period.MONTHLY, ANCHOR, OverLimit.REJECT);
            Instant at = Instant.parse("2025-02-10T00:00:00Z");
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(100, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 100L, false))
                    .when(new ChangeUsagePolicy(ID, raised, at))
                    .expectEvents(new UsagePolicyChanged(USER, KEY, raised, FEB_START, FEB_END, 100, at));
        }

        @Test
        void a_raised_limit_lets_more_usage_through() {
            UsagePolicy raised = new UsagePolicy(500, Period.MONTHLY, ANCHOR, OverLimit.REJECT);
            Instant at = Instant.parse("2025-02-10T00:00:00Z");
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(100, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 100L, false),
                            new UsagePolicyChanged(USER, KEY, raised, FEB_START, FEB_END, 100, at))
                    .when(consume(50, "2025-02-11T00:00:00Z", "k1"))
                    .expectEvents(new UsageConsumed(
                            USER,
                            KEY,
                            50,
                            Instant.parse("2025-02-11T00:00:00Z"),
                            FEB_START,
                            FEB_END,
                            150L,
                            500,
                            false,
                            "k1",
                            "msg-k1",
                            META));
        }

        @Test
        void changing_the_period_starts_the_new_period_containing_now_with_zero_usage() {
            UsagePolicy daily = new UsagePolicy(10, Period.DAILY, null, OverLimit.REJECT);
            Instant at = Instant.parse("2025-02-10T13:00:00Z");
            fixture.given(
                            granted(MONTHLY_100),
                            consumed(60, "2025-02-05T00:00:00Z", "k0", FEB_START, FEB_END, 60L, false))
                    .when(new ChangeUsagePolicy(ID, daily, at))
                    .expectEvents(new UsagePolicyChanged(
                            USER,
                            KEY,
                            daily,
                            Instant.parse("2025-02-10T00:00:00Z"),
                            Instant.parse("2025-02-11T00:00:00Z"),
                            0,
                            at));
        }

        @Test
        void removing_the_policy_stops_usage_tracking() {
            Instant at = Instant.parse("2025-02-10T13:00:00Z");
            fixture.given(granted(MONTHLY_100), new UsagePolicyChanged(USER, KEY, null, null, null, 0, at))
                    .when(consume(1, "2025-02-11T00:00:00Z", "k1"))
                    .expectException(rejectedWith(RejectionReason.NO_USAGE_TRACKING));
            fixture.given(granted(MONTHLY_100))
                    .when(new ChangeUsagePolicy(ID, null, at))
                    .expectEvents(new UsagePolicyChanged(USER, KEY, null, null, null, 0, at));
        }

        @Test
        void adding_a_policy_to_an_untracked_entitlement_starts_counting_from_zero() {
            Instant at = Instant.parse("2025-02-10T13:00:00Z");
            fixture.given(granted(null))
                    .when(new ChangeUsagePolicy(ID, MONTHLY_100, at))
                    .expectEvents(new UsagePolicyChanged(USER, KEY, MONTHLY_100, FEB_START, FEB_END, 0, at));
        }

        @Test
        void setting_the_same_policy_again_changes_nothing() {
            fixture.given(granted(MONTHLY_100))
                    .when(new ChangeUsagePolicy(ID, MONTHLY_100, GRANTED_AT))
                    .expectNoEvents();
        }

        @Test
        void changing_the_policy_of_a_missing_entitlement_fails_as_not_found() {
            fixture.givenNoPriorActivity()
                    .when(new ChangeUsagePolicy(ID, MONTHLY_100, GRANTED_AT))
                    .expectException(AggregateNotFoundException.class);
        }
    }

    @Nested
    class Reversing {

        private static final Instant FEB_10 = Instant.parse("2025-02-10T00:00:00Z");
        private static final Instant MAR_05 = Instant.parse("2025-03-05T00:00:00Z");
        private final CountedUsage febUsage = new CountedUsage("k1", 10, FEB_10, FEB_START, FEB_END);
        private final UsageConsumed febConsumed =
                consumed(10, "2025-02-10T00:00:00Z", "k1", FEB_START, FEB_END, 10L, false);
        private final PeriodReset intoMarch =
                new PeriodReset(USER, KEY, FEB_START, FEB_END, 10, FEB_END, MAR_END, PeriodReset.Reason.LAZY, MAR_05);
        private final UsageConsumed marConsumed =
                consumed(5, "2025-03-05T00:00:00Z", "k2", FEB_END, MAR_END, 5L, false);

        private ReverseUsage reverse(CountedUsage original, Long amount, Instant at, boolean dryRun) {
            return new ReverseUsage(
                    ID,
                    dryRun ? null : "r1",
                    "k1",
                    original,
                    amount,
                    "duplicate charge, ticket 4411",
                    "support-1",
                    at,
                    dryRun);
        }

        private UsageReversed reversed(long amount, long remaining, boolean current, Long usedAfter, Instant at) {
            return new UsageReversed(
                    USER,
                    KEY,
                    "r1",
                    "k1",
                    amount,
                    remaining,
                    FEB_10,
                    FEB_START,
                    FEB_END,
                    current,
                    usedAfter,
                    "duplicate charge, ticket 4411",
                    "support-1",
                    at);
        }

        @Test
        void reversing_usage_of_the_current_window_lowers_its_count() {
            Instant at = Instant.parse("2025-02-11T00:00:00Z");
            fixture.given(granted(MONTHLY_100), febConsumed)
                    .when(reverse(febUsage, 4L, at, false))
                    .expectEvents(reversed(4, 6, true, 6L, at))
                    .expectResultMessagePayload(new Reversal("r1", "k1", 4, 6, FEB_START, FEB_END, true, 6));
        }

        @Test
        void reversing_usage_of_a_past_window_leaves_the_current_count_unchanged() {
            Instant at = Instant.parse("2025-03-06T00:00:00Z");
            fixture.given(granted(MONTHLY_100), febConsumed, intoMarch, marConsumed)
                    .when(reverse(febUsage, null, at, false))
                    .expectEvents(reversed(10, 0, false, null, at))
                    .expectResultMessagePayload(new Reversal("r1", "k1", 10, 0, FEB_START, FEB_END, false, 5));
        }

        @Test
        void reversing_usage_of_a_past_window_lowers_that_windows_total_for_late_usage() {
            Instant at = Instant.parse("2025-03-06T00:00:00Z");
            fixture.given(
                            granted(MONTHLY_100),
                            febConsumed,
                            consumed(90, "2025-02-11T00:00:00Z", "k3", FEB_START, FEB_END, 100L, false),
                            new PeriodReset(
                                    USER,
                                    KEY,
                                    FEB_START,
                                    FEB_END,
                                    100,
                                    FEB_END,
                                    MAR_END,
                                    PeriodReset.Reason.LAZY,
                                    MAR_05),
                            reversed(10, 0, false, null, at))
                    .when(consume(10, "2025-02-20T00:00:00Z", "late"))
                    .expectEvents(consumed(10, "2025-02-20T00:00:00Z", "late", FEB_START, FEB_END, null, true));
        }

        @Test
        void reversing_an_already_fully_reversed_usage_is_REVERSAL_EXCEEDS_ORIGINAL() {
            Instant at = Instant.parse("2025-02-12T00:00:00Z");
            fixture.given(granted(MONTHLY_100), febConsumed, reversed(10, 0, true, 0L, at))
                    .when(reverse(febUsage, null, at, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(RejectionReason.REVERSAL_EXCEEDS_ORIGINAL));
        }

        @Test
        void a_partial_reversal_then_the_remainder_reverses_the_whole_usage() {
            Instant at = Instant.parse("2025-02-12T00:00:00Z");
            fixture.given(granted(MONTHLY_100), febConsumed, reversed(4, 6, true, 6L, at))
                    .when(reverse(febUsage, null, at, false))
                    .expectEvents(reversed(6, 0, true, 0L, at))
                    .expectResultMessagePayload(new Reversal("r1", "k1", 6, 0, FEB_START, FEB_END, true, 0));
        }

        @Test
        void reversing_more_than_remains_is_REVERSAL_EXCEEDS_ORIGINAL() {
            Instant at = Instant.parse("2025-02-12T00:00:00Z");
            fixture.given(granted(MONTHLY_100), febConsumed, reversed(4, 6, true, 6L, at))
                    .when(reverse(febUsage, 7L, at, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(RejectionReason.REVERSAL_EXCEEDS_ORIGINAL));
        }

        @Test
        void reversing_more_than_the_original_is_REVERSAL_EXCEEDS_ORIGINAL() {
            fixture.given(granted(MONTHLY_100), febConsumed)
                    .when(reverse(febUsage, 11L, FEB_10, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(RejectionReason.REVERSAL_EXCEEDS_ORIGINAL));
        }

        @Test
        void reversing_a_key_never_counted_is_USAGE_NOT_FOUND() {
            fixture.given(granted(MONTHLY_100), febConsumed)
                    .when(reverse(null, 1L, FEB_10, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(RejectionReason.USAGE_NOT_FOUND));
        }

        @Test
        void reversing_on_an_unknown_entitlement_is_not_found() {
            fixture.givenNoPriorActivity()
                    .when(reverse(febUsage, 1L, FEB_10, false))
                    .expectException(AggregateNotFoundException.class);
        }

        @Test
        void an_inactive_entitlement_can_still_be_corrected() {
            Instant at = Instant.parse("2025-02-12T00:00:00Z");
            fixture.given(granted(MONTHLY_100), febConsumed, new EntitlementDeactivated(USER, KEY, FEB_10))
                    .when(reverse(febUsage, 3L, at, false))
                    .expectEvents(reversed(3, 7, true, 7L, at));
        }

        @Test
        void the_count_never_drops_below_zero_after_a_manual_reset() {
            Instant at = Instant.parse("2025-02-12T00:00:00Z");
            fixture.given(
                            granted(MONTHLY_100),
                            febConsumed,
                            new PeriodReset(
                                    USER,
                                    KEY,
                                    FEB_START,
                                    FEB_END,
                                    10,
                                    FEB_START,
                                    FEB_END,
                                    PeriodReset.Reason.MANUAL,
                                    at),
                            consumed(2, "2025-02-12T00:00:00Z", "k2", FEB_START, FEB_END, 2L, false))
                    .when(reverse(febUsage, null, at, false))
                    .expectEvents(reversed(10, 0, true, 0L, at));
        }

        @Test
        void a_dry_run_answers_the_reversal_and_emits_nothing() {
            Instant at = Instant.parse("2025-02-11T00:00:00Z");
            fixture.given(granted(MONTHLY_100), febConsumed)
                    .when(reverse(febUsage, 4L, at, true))
                    .expectNoEvents()
                    .expectResultMessagePayload(new Reversal(null, "k1", 4, 6, FEB_START, FEB_END, true, 6));
        }

        @Test
        void a_reversal_after_its_window_ended_but_before_the_next_usage_is_not_current() {
            Instant at = Instant.parse("2025-03-02T00:00:00Z");
            fixture.given(granted(MONTHLY_100), febConsumed)
                    .when(reverse(febUsage, 4L, at, false))
                    .expectEvents(reversed(4, 6, false, 6L, at))
                    .expectResultMessagePayload(new Reversal("r1", "k1", 4, 6, FEB_START, FEB_END, false, 0));
        }

        @Test
        void a_reversal_needs_a_reason_of_at_most_500_characters_and_an_amount_of_at_least_one() {
            assertThatThrownBy(() -> new ReverseUsage(ID, "r", "k1", null, 1L, " ", "c", FEB_10, false))
                    .isInstanceOfSatisfying(
                            InvalidInput.class, e -> assertThat(e.code()).isEqualTo("REASON_REQUIRED"));
            assertThatThrownBy(() -> new ReverseUsage(ID, "r", "k1", null, 1L, "x".repeat(501), "c", FEB_10, false))
                    .isInstanceOfSatisfying(
                            InvalidInput.class, e -> assertThat(e.code()).isEqualTo("REASON_REQUIRED"));
            assertThatThrownBy(() -> new ReverseUsage(ID, "r", "k1", null, 0L, "why", "c", FEB_10, false))
                    .isInstanceOfSatisfying(
                            InvalidInput.class, e -> assertThat(e.code()).isEqualTo("INVALID_AMOUNT"));
            assertThat(new ReverseUsage(ID, "r", "k1", null, null, "x".repeat(500), "c", FEB_10, false).amount())
                    .isNull();
        }
    }
}
