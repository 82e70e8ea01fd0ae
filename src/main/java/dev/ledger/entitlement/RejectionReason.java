package dev.ledger.entitlement;

/** Stable reason codes for commands the aggregate refuses. Clients and dashboards match on these names. */
public enum RejectionReason {
    ENTITLEMENT_NOT_FOUND,
    ENTITLEMENT_EXISTS,
    ENTITLEMENT_INACTIVE,
    NO_USAGE_TRACKING,
    LIMIT_EXCEEDED,
    /** A reversal names a dedup key that was never counted on the entitlement. */
    USAGE_NOT_FOUND,
    /** A reversal asks for more than is left unreversed of the usage. */
    REVERSAL_EXCEEDS_ORIGINAL
}
