package dev.ledger.eventstore;

import dev.ledger.entitlement.Entitlement;
import java.lang.reflect.Constructor;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.AggregateFactory;

/**
 * Creates empty {@link Entitlement} instances for the snapshotter, or returns the aggregate stored in a snapshot.
 * Axon's {@code GenericAggregateFactory} would inspect the command handlers with the class-path parameter resolvers,
 * which cannot resolve the {@code DedupKeys} bean; the snapshotter never handles commands, so it needs no inspection.
 */
final class EntitlementFactory implements AggregateFactory<Entitlement> {

    private final Constructor<Entitlement> constructor;

    EntitlementFactory() {
        try {
            constructor = Entitlement.class.getDeclaredConstructor();
            constructor.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("Entitlement needs a no-argument constructor", e);
        }
    }

    @Override
    public Entitlement createAggregateRoot(String aggregateIdentifier, DomainEventMessage<?> firstEvent) {
        if (Entitlement.class.isAssignableFrom(firstEvent.getPayloadType())) {
            return (Entitlement) firstEvent.getPayload();
        }
        try {
            return constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create an Entitlement", e);
        }
    }

    @Override
    public Class<Entitlement> getAggregateType() {
        return Entitlement.class;
    }
}
