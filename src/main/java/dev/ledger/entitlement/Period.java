package dev.ledger.entitlement;

/** How often usage resets. {@code NONE} never resets: the count accumulates for the life of the entitlement. */
public enum Period {
    DAILY,
    WEEKLY,
    MONTHLY,
    YEARLY,
    NONE
}
