package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Manually resets the usage count of the current period to zero. */
public record ResetPeriod(@TargetAggregateIdentifier EntitlementId id, Instant at) implements EntitlementCommand {}
