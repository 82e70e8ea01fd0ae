package dev.ledger.intake;

/**
 * What one receive of a usage message came to, and so what the worker does with it (adr/0005). The lower-case names
 * are the {@code outcome} tag of {@code ledger.intake.messages}.
 */
public enum Disposition {
    /** Its {@code UsageConsumed} is committed: acknowledge (delete). */
    COUNTED(true),
    /** Its dedup key was already counted: acknowledge. */
    DUPLICATE(true),
    /**
     * A business rejection, recorded in {@code usage_rejection}: left on the queue, so SQS retries it after the
     * visibility timeout and the redrive policy moves it to the DLQ after {@code maxReceiveCount} receives.
     */
    REJECTED(false),
    /** It can never be counted: moved to the DLQ at once with its reason, recorded, then acknowledged. */
    INVALID(true),
    /** A transient failure outlasted the in-place retries: left for SQS to redeliver, never acknowledged or lost. */
    TRANSIENT(false);

    private final boolean acknowledge;

    Disposition(boolean acknowledge) {
        this.acknowledge = acknowledge;
    }

    /** Whether the message is deleted from the usage queue. */
    public boolean acknowledge() {
        return acknowledge;
    }
}
