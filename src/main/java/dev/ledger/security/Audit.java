package dev.ledger.security;

import dev.ledger.audit.AuditTrail;
import dev.ledger.entitlement.EntitlementId;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a controller records about an administrative action: it is logged on the {@code ledger.audit} logger, its
 * target and reason are noted for the request's row in the audit trail ({@link AuditTrail}, adr/0021), and the
 * returned metadata ({@code caller}, {@code action}, {@code reason}) goes with the command's events.
 */
public final class Audit {

    private static final Logger log = LoggerFactory.getLogger("ledger.audit");

    private Audit() {}

    public static String caller(Principal principal) {
        return principal == null ? "anonymous" : principal.getName();
    }

    /** An action on an entitlement, with the caller's reason ({@code null}: none). Returns the events' metadata. */
    public static Map<String, String> record(Principal principal, String action, EntitlementId target, String reason) {
        AuditTrail.entitlement(target);
        AuditTrail.reason(reason);
        return logged(principal, action, target.toString(), reason);
    }

    /** An action on something else: a processor, a source table, dead letters. Returns the metadata of its events. */
    public static Map<String, String> record(Principal principal, String action, String target) {
        AuditTrail.target(target);
        return logged(principal, action, target, null);
    }

    private static Map<String, String> logged(Principal principal, String action, String target, String reason) {
        String caller = caller(principal);
        log.info("caller={} action={} target={} reason={}", caller, action, target, reason);
        Map<String, String> metaData = new LinkedHashMap<>();
        metaData.put("caller", caller);
        metaData.put("action", action);
        if (reason != null) {
            metaData.put("reason", reason);
        }
        return Map.copyOf(metaData);
    }
}
