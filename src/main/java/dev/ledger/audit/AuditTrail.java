package dev.ledger.audit;

import dev.ledger.entitlement.EntitlementId;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * What a controller tells the audit trail about the admin request it is serving: the entitlement or other target it
 * acts on, and the caller's reason. The audit filter ({@link AuditFilter}) writes the row when the request is done,
 * with whatever was noted; outside a request these calls do nothing. Callers normally go through
 * {@code security.Audit.record}, which notes and also returns the events' metadata.
 * " *
 * <p>Reasons are checked by the one rule of the domain ({@code entitlement.Reason}) before they are noted.
 */
public final class AuditTrail {

    /** The request id header: taken from the request when it is a sane value, else generated; always answered. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

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

    private static void note(String name, Object value) {
        RequestAttributes request = RequestContextHolder.getRequestAttributes();
        if (request != null && value != null) {
            request.setAttribute(name, value, RequestAttributes.SCOPE_REQUEST);
        }
    }
}
