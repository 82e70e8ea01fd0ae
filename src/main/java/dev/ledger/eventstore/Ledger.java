package dev.ledger.eventstore;

import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.Consumption;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.RejectionReason;
import java.util.Map;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.springframework.stereotype.Component;

/**
 * The one entry point for sending commands to entitlements. It translates Axon's storage-level outcomes into the
 * domain's reason codes: a command for an entitlement with no events is {@code ENTITLEMENT_NOT_FOUND}, and a grant that
 * lost a creation race against another instance is {@code ENTITLEMENT_EXISTS}.
 */
@Component
public class Ledger {

    private final CommandGateway commandGateway;
    private final boolean cached;

    public Ledger(CommandGateway commandGateway, EventStoreSettings settings) {
        this.commandGateway = commandGateway;
        this.cached = settings.cacheSize() > 0;
    }

    public Consumption consume(ConsumeUsage command) {
        return send(command.id(), command, Map.of());
    }

    /** Sends {@code command} for {@code id} and waits for the result; {@code metaData} is stored with its events. */
    public <R> R send(EntitlementId id, Object command, Map<String, ?> metaData) {
        try {
            return decide(command, MetaData.from(metaData));
        } catch (AggregateStreamCreationException e) {
            throw new EntitlementRejection(RejectionReason.ENTITLEMENT_EXISTS,
                    "entitlement " + id + " already exists; change it instead of granting it again");
        } catch (AggregateNotFoundException e) {
            throw EntitlementRejection.notFound(id);
        }
    }

    /**
     * A cached entitlement may be older than the event store when another instance changed it: a command that appends
     * fails on the sequence number and is retried by the gateway, but a rejection appends nothing. So a rejection is
     * decided once more; its rollback took the entitlement out of the cache, and the second decision reads the store.
     */
    private <R> R decide(Object command, MetaData metaData) {
        try {
            return commandGateway.sendAndWait(command, metaData);
        } catch (EntitlementRejection rejected) {
            if (!cached) {
                throw rejected;
            }
            return commandGateway.sendAndWait(command, metaData);
        }
    }
}
