package dev.ledger.entitlement;

/** Stable reason codes for commands the aggregate refuses. Clients and dashboards match on these names. */
public enum RejectionReason {
    ENTITLEMENT_NOT_FOUND,
    ENTITLEMENT_EXISTS,
    ENTITLEMENT_INACTIVE,
    NO_USAGE_TRACKING,
    LIMIT_EXCEEDED
}
