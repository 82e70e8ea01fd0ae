package dev.ledger.audit;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.InvalidInput;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * What a controller tells the audit trail about the admin request it is serving: the entitlement or other target it
 * acts on, and the caller's reason. The audit filter ({@link AuditFilter}) writes the row when the request is done,
 * with whatever was noted; outside a request these calls do nothing. Callers normally go through
 * {@code security.Audit.record}, which notes and also returns the events' metadata.
 *
 * <p>The reason rules of every admin endpoint that takes a reason are here too, so they read the same everywhere.
 */
public final class AuditTrail {

    /** The request id header: taken from the request when it is a sane value, else generated; always answered. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    /** A reason is 1–500 characters (code points) and not blank. */
    public static final int MAX_REASON_LENGTH = 500;

    static final String CALLER = AuditTrail.class.getName() + ".caller";
    static final String ENTITLEMENT = AuditTrail.class.getName() + ".entitlement";
    static final String TARGET = AuditTrail.class.getName() + ".target";
    static final String REASON = AuditTrail.class.getName() + ".reason";

    private AuditTrail() {}

    /** The entitlement the current request acts on (the filter already knows it when the path names it). */
    public static void entitlement(EntitlementId id) {
        note(ENTITLEMENT, id);
    }

    /** What else the current request acts on: the processor of a rebuild, an import's table, a redrive's messages. */
    public static void target(String target) {
        note(TARGET, target);
    }

    /** The caller's reason for the current request ({@code null}: none given). */
    public static void reason(String reason) {
        note(REASON, reason);
    }

    /**
     * A required reason: {@code null}, blank or longer than {@value #MAX_REASON_LENGTH} characters is
     * {@code 400 REASON_REQUIRED}.
     */
    public static String requireReason(String reason) {
        if (!valid(reason)) {
            throw new InvalidInput(
                    "REASON_REQUIRED",
                    "a reason is required: a body {\"reason\":\"…\"} of 1 to " + MAX_REASON_LENGTH
                            + " characters, not blank");
        }
        return reason;
    }

    /** An optional reason: {@code null} stays {@code null}; one given must be valid, else {@code 400 INVALID_REASON}. */
    public static String optionalReason(String reason) {
        if (reason != null && !valid(reason)) {
            throw new InvalidInput(
                    "INVALID_REASON",
                    "reason must be 1 to " + MAX_REASON_LENGTH + " characters and not blank; omit it to give none");
        }
        return reason;
    }

    private static boolean valid(String reason) {
        return reason != null && !reason.isBlank() && reason.codePointCount(0, reason.length()) <= MAX_REASON_LENGTH;
    }

    private static void note(String name, Object value) {
        RequestAttributes request = RequestContextHolder.getRequestAttributes();
        if (request != null && value != null) {
            request.setAttribute(name, value, RequestAttributes.SCOPE_REQUEST);
        }
    }
}
