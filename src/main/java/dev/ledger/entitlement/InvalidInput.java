package dev.ledger.entitlement;

/** Input that can never become valid by retrying: a malformed identifier, amount or policy. */
public class InvalidInput extends RuntimeException {

    private final String code;

    public InvalidInput(String code, String message) {
        super(message);
        this.code = code;
    }

    /** Stable reason code, e.g. {@code INVALID_AMOUNT}. */
    public String code() {
        return code;
    }
}
