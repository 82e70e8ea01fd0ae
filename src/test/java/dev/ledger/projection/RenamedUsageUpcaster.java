package dev.ledger.projection;

import dev.ledger.entitlement.UsageConsumed;
import java.util.function.Function;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * An upcaster as the first event change would bring one: an old type name ({@value #LEGACY_TYPE}) becomes
 * {@code UsageConsumed}. Events of any other type pass unchanged.
 */
public final class RenamedUsageUpcaster extends SingleEventUpcaster {

    public static final String LEGACY_TYPE = "dev.ledger.legacy.UsageRecorded";

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return representation.getType().getName().equals(LEGACY_TYPE);
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(
                new SimpleSerializedType(UsageConsumed.class.getName(), null), byte[].class, Function.identity());
    }
}
