package dev.ledger.web;

import dev.ledger.entitlement.Instants;
import dev.ledger.entitlement.InvalidInput;
import java.time.Instant;
import org.springframework.core.convert.converter.Converter;
import org.springframework.stereotype.Component;

/**
 * Request parameters typed {@link Instant}: ISO-8601 within the range the ledger accepts ({@link Instants}), else
 * {@code INVALID_TIME}; a blank value is an absent one.
 */
@Component
class InstantParameters implements Converter<String, Instant> {

    @Override
    public Instant convert(String text) {
        if (text.isBlank()) {
            return null;
        }
        return Instants.parse(text)
                .orElseThrow(() -> new InvalidInput(
                        "INVALID_TIME",
                        "must be an ISO-8601 instant "
                                + "from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, such as 2025-01-01T00:00:00Z, got '"
                                + text + "'"));
    }
}
