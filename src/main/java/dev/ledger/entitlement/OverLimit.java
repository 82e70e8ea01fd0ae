package dev.ledger.entitlement;

/** What happens to usage that would pass the limit. */
public enum OverLimit {
    /** Reject the usage with {@code LIMIT_EXCEEDED}; nothing is recorded. The seed's behaviour and the default. */
    REJECT,
    /** Soft limit: record the usage anyway; the count may pass the limit. */
    RECORD_OVERAGE
}
