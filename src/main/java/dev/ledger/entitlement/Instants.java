package dev.ledger.entitlement;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The instants the ledger accepts from outside: ISO-8601 with a four-digit year, 0001-01-01 to 9999-12-31 UTC. Java
 * parses years up to ±999,999,999, which Postgres cannot store, the period arithmetic cannot step to, and text
 * ordering (DynamoDB) would sort wrongly; such values are invalid input, not an internal error.
 */
public final class Instants {

    public static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private Instants() {}

    /** The instant {@code text} names, or empty when it is not an ISO-8601 instant within {@link #MIN}–{@link #MAX}. */
    public static Optional<Instant> parse(String text) {
        try {
            Instant instant = Instant.parse(text);
            return instant.isBefore(MIN) || instant.isAfter(MAX) ? Optional.empty() : Optional.of(instant);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
