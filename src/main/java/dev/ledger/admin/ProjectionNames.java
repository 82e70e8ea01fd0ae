package dev.ledger.admin;

import dev.ledger.projection.Projection;
import org.springframework.core.convert.converter.Converter;
import org.springframework.stereotype.Component;

/** A {@code {projection}} path segment by its public name ({@code dynamodb}); another is {@code UNKNOWN_PROJECTION}. */
@Component
class ProjectionNames implements Converter<String, Projection> {

    @Override
    public Projection convert(String name) {
        return Projection.named(name);
    }
}
