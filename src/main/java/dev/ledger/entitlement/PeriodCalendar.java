package dev.ledger.entitlement;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * Period boundaries. Boundary {@code k} is {@code anchor + k * period}, always computed from the anchor and never by
 * stepping from the previous boundary, so a Jan 31 anchor gives Feb 28, Mar 31, Apr 30 … and never drifts to Mar 3.
 * Months and years are added first with the day clamped to the month's length (Java's {@code plusMonths}); days after.
 * Windows are start-inclusive, end-exclusive, in UTC. Without an anchor, windows are calendar-aligned: midnight UTC,
 * Monday 00:00 UTC, the 1st of the month, January 1st.
 */
public final class PeriodCalendar {

    static final Instant EPOCH_MIDNIGHT = Instant.parse("1970-01-01T00:00:00Z");
    static final Instant EPOCH_MONDAY = Instant.parse("1970-01-05T00:00:00Z");

    private PeriodCalendar() {}

    /** The window of a periodic {@code period} that contains {@code instant}. */
    public static PeriodWindow windowContaining(Period period, Instant anchor, Instant instant) {
        if (period == Period.NONE) {
            throw new IllegalArgumentException("NONE has no recurring windows");
        }
        Instant origin = anchor != null ? anchor : defaultAnchor(period);
        long k = estimateIndex(period, origin, instant);
        while (boundary(period, origin, k).isAfter(instant)) {
            k--;
        }
        while (!boundary(period, origin, k + 1).isAfter(instant)) {
            k++;
        }
        return new PeriodWindow(boundary(period, origin, k), boundary(period, origin, k + 1));
    }

    /** Boundary {@code k} (may be negative) of {@code period} from {@code origin}. */
    public static Instant boundary(Period period, Instant origin, long k) {
        ZonedDateTime start = origin.atZone(ZoneOffset.UTC);
        ZonedDateTime result = switch (period) {
            case DAILY -> start.plusDays(k);
            case WEEKLY -> start.plusDays(7 * k);
            case MONTHLY -> start.plusMonths(k);
            case YEARLY -> start.plusYears(k);
            case NONE -> throw new IllegalArgumentException("NONE has no boundaries");
        };
        return result.toInstant();
    }

    static Instant defaultAnchor(Period period) {
        return period == Period.WEEKLY ? EPOCH_MONDAY : EPOCH_MIDNIGHT;
    }

    private static long estimateIndex(Period period, Instant origin, Instant instant) {
        ZonedDateTime from = origin.atZone(ZoneOffset.UTC);
        ZonedDateTime to = instant.atZone(ZoneOffset.UTC);
        return switch (period) {
            case DAILY -> Math.floorDiv(instant.getEpochSecond() - origin.getEpochSecond(), 86_400L);
            case WEEKLY -> Math.floorDiv(instant.getEpochSecond() - origin.getEpochSecond(), 7 * 86_400L);
            case MONTHLY ->
                ChronoUnit.MONTHS.between(
                        from.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS),
                        to.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS));
            case YEARLY -> (long) to.getYear() - from.getYear();
            case NONE -> 0;
        };
    }
}
