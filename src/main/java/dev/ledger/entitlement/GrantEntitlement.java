package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Grants an entitlement to a user. {@code usage} is {@code null} for an entitlement without usage tracking. */
public record GrantEntitlement(
        @TargetAggregateIdentifier EntitlementId id, boolean active, UsagePolicy usage, Instant at)
        implements EntitlementCommand {}
