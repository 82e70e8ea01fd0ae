package dev.ledger.command;

import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.Consumption;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.RejectionReason;
import java.time.Instant;
import java.util.Map;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.springframework.stereotype.Component;

/**
 * The one entry point for sending commands to entitlements. It translates Axon's storage-level outcomes into the
 * domain's reason codes: a command for an entitlement with no events is {@code ENTITLEMENT_NOT_FOUND}, and a grant that
 * lost a creation race against another instance is {@code ENTITLEMENT_EXISTS}. A rejection is final: the lock step
 * ({@link EntitlementLock}) has already made sure that the entitlement was decided on its current state.
 */
@Component
public class Ledger {

    /**
     * The metadata key of a usage's SQS {@code SentTimestamp} (epoch milliseconds, a {@code Long}): stored with the
     * usage's events, so that the projections can time their delay from it ({@code ledger.projection.delay}).
     */
    public static final String SQS_SENT_TIMESTAMP = "sqsSentTimestamp";

    private final CommandGateway commandGateway;

    Ledger(CommandGateway commandGateway) {
        this.commandGateway = commandGateway;
    }

    public Consumption consume(ConsumeUsage command) {
        return send(command.id(), command, Map.of());
    }

    /** Consumes a usage that came from SQS; {@code sentAt} (may be null) is the message's {@code SentTimestamp}. */
    public Consumption consume(ConsumeUsage command, Instant sentAt) {
        return send(
                command.id(), command, sentAt == null ? Map.of() : Map.of(SQS_SENT_TIMESTAMP, sentAt.toEpochMilli()));
    }

    /** Sends {@code command} for {@code id} and waits for the result; {@code metaData} is stored with its events. */
    public <R> R send(EntitlementId id, Object command, Map<String, ?> metaData) {
        try {
            return commandGateway.sendAndWait(command, MetaData.from(metaData));
        } catch (AggregateStreamCreationException e) {
            throw new EntitlementRejection(
                    RejectionReason.ENTITLEMENT_EXISTS,
                    "entitlement " + id + " already exists; change it instead of granting it again");
        } catch (AggregateNotFoundException e) {
            throw EntitlementRejection.notFound(id);
        }
    }
}
