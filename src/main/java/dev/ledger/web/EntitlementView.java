package dev.ledger.web;

import dev.ledger.command.EntitlementState;
import java.time.Instant;

/** The state JSON of the API contract. {@code usage} is null for an entitlement without usage tracking. */
public record EntitlementView(String userId, String entitlementKey, boolean active, Usage usage, long version) {

    public record Usage(
            long limit,
            String period,
            Instant anchor,
            String overLimit,
            long used,
            Instant periodStart,
            Instant periodEnd) {}

    static EntitlementView of(EntitlementState state) {
        Usage usage = state.policy() == null
                ? null
                : new Usage(
                        state.policy().limit(),
                        state.policy().period().name(),
                        state.policy().anchor(),
                        state.policy().overLimit().name(),
                        state.used(),
                        state.window().start(),
                        state.window().end());
        return new EntitlementView(state.userId(), state.entitlementKey(), state.active(), usage, state.version());
    }
}
