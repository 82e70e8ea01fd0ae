package dev.ledger.entitlement;

/**
 * The caller's reason for an administrative change (a reversal, a manual reset, a deactivation): 1 to
 * {@value #MAX_LENGTH} characters (code points), not blank. One rule for every endpoint that takes a reason.
 */
public final class Reason {

    public static final int MAX_LENGTH = 500;

    private Reason() {}

    /** A required reason: {@code null}, blank or too long is {@code 400 REASON_REQUIRED}. */
    public static String required(String reason) {
        if (!valid(reason)) {
            throw new InvalidInput(
                    "REASON_REQUIRED",
                    "a reason is required: {\"reason\":\"…\"} of 1 to " + MAX_LENGTH + " characters, not blank");
        }
        return reason;
    }

    /** An optional reason: {@code null} stays {@code null}; one given must be valid, else {@code 400 INVALID_REASON}. */
    public static String optional(String reason) {
        if (reason != null && !valid(reason)) {
            throw new InvalidInput(
                    "INVALID_REASON",
                    "reason must be 1 to " + MAX_LENGTH + " characters and not blank; omit it to give none");
        }
        return reason;
    }

    private static boolean valid(String reason) {
        return reason != null && !reason.isBlank() && reason.codePointCount(0, reason.length()) <= MAX_LENGTH;
    }
}
