package dev.ledger.entitlement;

/** A command for one entitlement. */
public interface EntitlementCommand {

    /** The entitlement it is for. */
    EntitlementId id();
}
