package dev.ledger.entitlement;

/**
 * A command the aggregate refused. Nothing was emitted and no balance changed. For {@code LIMIT_EXCEEDED} the
 * exception carries the limit, the usage so far in the period, and the amount asked for.
 */
public class EntitlementRejection extends RuntimeException {

    private final RejectionReason reason;
    private final Long limit;
    private final Long used;
    private final Long requested;

    public EntitlementRejection(RejectionReason reason, String message) {
        this(reason, message, null, null, null);
    }

    private EntitlementRejection(RejectionReason reason, String message, Long limit, Long used, Long requested) {
        super(message);
        this.reason = reason;
        this.limit = limit;
        this.used = used;
        this.requested = requested;
    }

    public static EntitlementRejection notFound(EntitlementId id) {
        return new EntitlementRejection(RejectionReason.ENTITLEMENT_NOT_FOUND, "entitlement " + id + " does not exist");
    }

    public static EntitlementRejection limitExceeded(EntitlementId id, long limit, long used, long requested) {
        return new EntitlementRejection(
                RejectionReason.LIMIT_EXCEEDED,
                "usage of " + requested + " would exceed the limit of " + id + ": limit " + limit + ", used " + used,
                limit,
                used,
                requested);
    }

    public RejectionReason reason() {
        return reason;
    }

    public Long limit() {
        return limit;
    }

    public Long used() {
        return used;
    }

    public Long requested() {
        return requested;
    }
}
