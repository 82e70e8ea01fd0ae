package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Replaces the usage policy; {@code null} removes usage tracking. */
public record ChangeUsagePolicy(@TargetAggregateIdentifier EntitlementId id, UsagePolicy usage, Instant at)
        implements EntitlementCommand {}
