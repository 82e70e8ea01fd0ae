package dev.ledger.correction;

import java.util.List;

/** A dedup key counted on more than one entitlement, asked for without naming which. */
class AmbiguousDedupKey extends RuntimeException {

    private final List<String> entitlements;

    AmbiguousDedupKey(String dedupKey, List<String> entitlements) {
        super("the dedup key '" + dedupKey + "' was counted on " + entitlements.size()
                + " entitlements; name one with ?userId=…&entitlementKey=…");
        this.entitlements = List.copyOf(entitlements);
    }

    List<String> entitlements() {
        return entitlements;
    }
}
