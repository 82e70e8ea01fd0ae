package dev.ledger.entitlement;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/** The entitlement was deactivated; usage is rejected with {@code ENTITLEMENT_INACTIVE} until it is activated. */
@Revision("1")
public record EntitlementDeactivated(String userId, String entitlementKey, Instant deactivatedAt) {}
