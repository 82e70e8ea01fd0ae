package dev.ledger.entitlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class PeriodCalendarTest {

    private static final Instant JAN_31_ANCHOR = Instant.parse("2025-01-31T15:00:00Z");

    private static PeriodWindow monthly(Instant anchor, String at) {
        return PeriodCalendar.windowContaining(Period.MONTHLY, anchor, Instant.parse(at));
    }

    private static PeriodWindow window(String start, String end) {
        return new PeriodWindow(Instant.parse(start), Instant.parse(end));
    }

    @Nested
    class MonthlyWithJan31Anchor {

        @Test
        void february_10_falls_in_the_period_from_jan_31_to_feb_28() {
            assertThat(monthly(JAN_31_ANCHOR, "2025-02-10T00:00:00Z"))
                    .isEqualTo(window("2025-01-31T15:00:00Z", "2025-02-28T15:00:00Z"));
        }

        @Test
        void august_13_falls_in_the_period_from_jul_31_to_aug_31() {
            assertThat(monthly(JAN_31_ANCHOR, "2025-08-13T00:00:00Z"))
                    .isEqualTo(window("2025-07-31T15:00:00Z", "2025-08-31T15:00:00Z"));
        }

        @Test
        void september_30_at_the_anchor_time_starts_the_period_to_oct_31() {
            assertThat(monthly(JAN_31_ANCHOR, "2025-09-30T15:00:00Z"))
                    .isEqualTo(window("2025-09-30T15:00:00Z", "2025-10-31T15:00:00Z"));
        }

        @Test
        void one_nanosecond_before_a_boundary_belongs_to_the_earlier_period() {
            assertThat(monthly(JAN_31_ANCHOR, "2025-09-30T14:59:59.999999999Z"))
                    .isEqualTo(window("2025-08-31T15:00:00Z", "2025-09-30T15:00:00Z"));
        }

        @Test
        void march_boundary_is_march_31_and_never_drifts_to_march_3() {
            assertThat(monthly(JAN_31_ANCHOR, "2025-03-05T00:00:00Z"))
                    .isEqualTo(window("2025-02-28T15:00:00Z", "2025-03-31T15:00:00Z"));
        }

        @Test
        void leap_year_february_ends_on_the_29th() {
            Instant anchor = Instant.parse("2024-01-31T15:00:00Z");
            assertThat(monthly(anchor, "2024-02-15T00:00:00Z"))
                    .isEqualTo(window("2024-01-31T15:00:00Z", "2024-02-29T15:00:00Z"));
        }

        @Test
        void instants_before_the_anchor_fall_in_earlier_periods_computed_from_the_anchor() {
            assertThat(monthly(JAN_31_ANCHOR, "2024-12-01T00:00:00Z"))
                    .isEqualTo(window("2024-11-30T15:00:00Z", "2024-12-31T15:00:00Z"));
        }

        @Test
        void every_boundary_for_ten_years_is_the_anchor_day_clamped_to_the_month_length() {
            for (int k = -24; k < 120; k++) {
                Instant boundary = PeriodCalendar.boundary(Period.MONTHLY, JAN_31_ANCHOR, k);
                ZonedDateTime utc = boundary.atZone(ZoneOffset.UTC);
                int expectedDay = Math.min(31, utc.toLocalDate().lengthOfMonth());
                assertThat(utc.getDayOfMonth()).as("boundary %d", k).isEqualTo(expectedDay);
                assertThat(utc.getHour()).isEqualTo(15);
            }
        }
    }

    @Nested
    class YearlyWithFeb29Anchor {

        private final Instant leapAnchor = Instant.parse("2024-02-29T00:00:00Z");

        @Test
        void falls_back_to_feb_28_in_non_leap_years() {
            assertThat(PeriodCalendar.windowContaining(
                            Period.YEARLY, leapAnchor, Instant.parse("2025-06-01T00:00:00Z")))
                    .isEqualTo(window("2025-02-28T00:00:00Z", "2026-02-28T00:00:00Z"));
        }

        @Test
        void returns_to_feb_29_in_the_next_leap_year() {
            assertThat(PeriodCalendar.windowContaining(
                            Period.YEARLY, leapAnchor, Instant.parse("2028-03-01T00:00:00Z")))
                    .isEqualTo(window("2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z"));
        }

        @Test
        void monthly_feb_29_anchor_gives_the_29th_or_the_last_day() {
            assertThat(monthly(leapAnchor, "2025-02-28T12:00:00Z"))
                    .isEqualTo(window("2025-02-28T00:00:00Z", "2025-03-29T00:00:00Z"));
        }
    }

    @Nested
    class CalendarAlignedWithoutAnchor {

        @Test
        void daily_periods_start_at_midnight_utc() {
            assertThat(PeriodCalendar.windowContaining(Period.DAILY, null, Instant.parse("2025-05-05T23:59:59Z")))
                    .isEqualTo(window("2025-05-05T00:00:00Z", "2025-05-06T00:00:00Z"));
        }

        @Test
        void weekly_periods_start_on_monday_midnight_utc() {
            // 2025-05-04 is a Sunday
            assertThat(PeriodCalendar.windowContaining(Period.WEEKLY, null, Instant.parse("2025-05-04T10:00:00Z")))
                    .isEqualTo(window("2025-04-28T00:00:00Z", "2025-05-05T00:00:00Z"));
            assertThat(PeriodCalendar.windowContaining(Period.WEEKLY, null, Instant.parse("2025-05-05T00:00:00Z")))
                    .isEqualTo(window("2025-05-05T00:00:00Z", "2025-05-12T00:00:00Z"));
        }

        @Test
        void monthly_periods_start_on_the_first_of_the_month() {
            assertThat(PeriodCalendar.windowContaining(Period.MONTHLY, null, Instant.parse("2025-02-28T23:00:00Z")))
                    .isEqualTo(window("2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z"));
        }

        @Test
        void yearly_periods_start_on_january_first() {
            assertThat(PeriodCalendar.windowContaining(Period.YEARLY, null, Instant.parse("2025-12-31T23:59:59Z")))
                    .isEqualTo(window("2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"));
        }

        @Test
        void instants_before_1970_still_align_to_the_calendar() {
            assertThat(PeriodCalendar.windowContaining(Period.MONTHLY, null, Instant.parse("1969-07-20T20:17:00Z")))
                    .isEqualTo(window("1969-07-01T00:00:00Z", "1969-08-01T00:00:00Z"));
        }
    }

    @ParameterizedTest
    @CsvSource({
        "DAILY,   2025-03-10T08:30:00Z, 2025-03-12T01:00:00Z, 2025-03-11T08:30:00Z, 2025-03-12T08:30:00Z",
        "DAILY,   2025-03-10T08:30:00Z, 2025-03-12T08:30:00Z, 2025-03-12T08:30:00Z, 2025-03-13T08:30:00Z",
        "WEEKLY,  2025-03-10T08:30:00Z, 2025-03-30T00:00:00Z, 2025-03-24T08:30:00Z, 2025-03-31T08:30:00Z",
        "MONTHLY, 2025-03-10T08:30:00Z, 2025-03-10T08:29:59Z, 2025-02-10T08:30:00Z, 2025-03-10T08:30:00Z",
        "YEARLY,  2025-03-10T08:30:00Z, 2030-01-01T00:00:00Z, 2029-03-10T08:30:00Z, 2030-03-10T08:30:00Z",
    })
    void anchored_periods_are_start_inclusive_and_end_exclusive(
            Period period, Instant anchor, Instant at, Instant start, Instant end) {
        assertThat(PeriodCalendar.windowContaining(period, anchor, at)).isEqualTo(new PeriodWindow(start, end));
    }

    @ParameterizedTest
    @EnumSource(value = Period.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void any_instant_lies_in_exactly_the_window_computed_for_it(Period period) {
        Random random = new Random(42);
        Instant anchor = Instant.parse("2024-01-31T15:00:00Z");
        for (int i = 0; i < 2_000; i++) {
            Instant at = Instant.ofEpochSecond(random.nextLong(0, 4_102_444_800L), random.nextInt(1_000_000_000));
            PeriodWindow window = PeriodCalendar.windowContaining(period, anchor, at);
            assertThat(window.contains(at)).as("%s contains %s", window, at).isTrue();
            assertThat(PeriodCalendar.windowContaining(period, anchor, window.start()))
                    .isEqualTo(window);
            assertThat(PeriodCalendar.windowContaining(period, anchor, window.end())
                            .start())
                    .isEqualTo(window.end());
        }
    }

    @Test
    void none_has_no_recurring_windows() {
        assertThatThrownBy(() -> PeriodCalendar.windowContaining(Period.NONE, null, Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void policy_with_none_period_has_one_open_window_from_its_origin() {
        UsagePolicy policy = new UsagePolicy(10, Period.NONE, null, OverLimit.REJECT);
        Instant origin = Instant.parse("2025-01-01T10:00:00Z");
        PeriodWindow window = policy.windowContaining(Instant.parse("2099-01-01T00:00:00Z"), origin);
        assertThat(window).isEqualTo(new PeriodWindow(origin, null));
        assertThat(window.hasEndedBy(Instant.parse("2999-01-01T00:00:00Z"))).isFalse();
    }
}
