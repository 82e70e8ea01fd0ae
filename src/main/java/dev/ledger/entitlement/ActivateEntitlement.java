package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Activates a deactivated entitlement. */
public record ActivateEntitlement(@TargetAggregateIdentifier EntitlementId id, Instant at)
        implements EntitlementCommand {}
