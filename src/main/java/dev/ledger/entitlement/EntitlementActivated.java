package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/** The entitlement was activated again. */
@Revision("1")
public record EntitlementActivated(String userId, String entitlementKey, Instant activatedAt) {}
