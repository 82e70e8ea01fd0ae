package dev.ledger.audit;

import java.time.Instant;

/**
 * One row of the trail.
 *
 * @param id             position in the trail (assigned by the database)
 * @param at             when the request was answered
 * @param caller         the token's name or the JWT's subject
 * @param role           {@code ADMIN}, {@code READER}, or {@code null} for a token with neither
 * @param action         {@code grant}, {@code change-usage}, … ({@link AdminAction})
 * @param userId         the entitlement's user, when the request names one
 * @param entitlementKey the entitlement's key, when the request names one
 * @param target         what else the request acts on: a rebuild's processor, an import's table, a redrive's messages
 * @param reason         the caller's reason, when given
 * @param requestId      the {@code X-Request-Id} of the request (the caller's or a generated one)
 * @param status         the HTTP status of the answer
 */
record AuditEntry(
        Long id,
        Instant at,
        String caller,
        String role,
        String action,
        String userId,
        String entitlementKey,
        String target,
        String reason,
        String requestId,
        int status) {}
