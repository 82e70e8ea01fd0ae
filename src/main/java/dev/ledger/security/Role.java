package dev.ledger.security;

/** API roles. ADMIN may do everything READER may, and more. */
public enum Role {
    /** Read entitlements, history and the usage export. */
    READER,
    /** Grant and change entitlements, reset periods, administer projections and dead letters, read metrics. */
    ADMIN
}
