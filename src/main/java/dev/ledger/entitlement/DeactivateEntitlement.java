package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Deactivates an entitlement: usage is rejected until it is activated again. */
public record DeactivateEntitlement(
        @TargetAggregateIdentifier EntitlementId id, Instant at) implements EntitlementCommand {}
