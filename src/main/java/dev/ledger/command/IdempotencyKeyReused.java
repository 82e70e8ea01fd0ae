package dev.ledger.command;

/** An {@code Idempotency-Key} that was first used with a different request. Nothing was written. */
public class IdempotencyKeyReused extends RuntimeException {

    public IdempotencyKeyReused(String key) {
        super("the Idempotency-Key '" + key + "' was already used with a different request; use a new key for a new "
                + "request, or repeat the first request exactly to get its answer");
    }
}
