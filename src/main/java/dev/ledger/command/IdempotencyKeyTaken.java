package dev.ledger.command;

/**
 * The lock step found that an {@code Idempotency-Key} was recorded while this command waited: the command is not
 * executed, and the sender answers from what was recorded. Final, never retried.
 */
class IdempotencyKeyTaken extends RuntimeException {

    IdempotencyKeyTaken(String key) {
        super("the Idempotency-Key '" + key + "' has been used", null, false, false);
    }
}
