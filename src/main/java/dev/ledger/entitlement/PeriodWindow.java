package dev.ledger.entitlement;

import java.time.Instant;

/** A usage period {@code [start, end)} in UTC. {@code end} is {@code null} for {@link Period#NONE}: it never closes. */
public record PeriodWindow(Instant start, Instant end) {

    public PeriodWindow {
        if (start == null) {
            throw new IllegalArgumentException("a period window needs a start");
        }
        if (end != null && !end.isAfter(start)) {
            throw new IllegalArgumentException("period end " + end + " must be after start " + start);
        }
    }

    public boolean contains(Instant instant) {
        return !instant.isBefore(start) && (end == null || instant.isBefore(end));
    }

    /** True when {@code instant} is at or after the end of this window. */
    public boolean hasEndedBy(Instant instant) {
        return end != null && !instant.isBefore(end);
    }
}
