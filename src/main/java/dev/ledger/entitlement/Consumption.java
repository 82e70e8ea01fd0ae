package dev.ledger.entitlement;

/** The result of a {@link ConsumeUsage} that was not rejected. */
public enum Consumption {
    /** The usage was recorded as a {@code UsageConsumed} event. */
    COUNTED,
    /** The dedup key had already been counted; nothing was emitted and no balance changed. */
    DUPLICATE
}
