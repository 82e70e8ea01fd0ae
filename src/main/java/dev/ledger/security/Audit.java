package dev.ledger.security;

import java.security.Principal;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail of administrative actions: who granted, changed, reset, rebuilt or redrove what. Written to the
 * {@code ledger.audit} logger; commands also carry the caller in their events' metadata ({@code caller}).
 */
public final class Audit {

    private static final Logger log = LoggerFactory.getLogger("ledger.audit");

    private Audit() {}

    public static String caller(Principal principal) {
        return principal == null ? "anonymous" : principal.getName();
    }

    /** Logs the action and returns the metadata to store with the command's events. */
    public static Map<String, String> record(Principal principal, String action, String target) {
        String caller = caller(principal);
        log.info("caller={} action={} target={}", caller, action, target);
        return Map.of("caller", caller, "action", action);
    }
}
