package dev.ledger.entitlement;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.serialization.Revision;

/**
 * The event-sourced entitlement of one user to one entitlement key. Command handlers decide and emit events; state
 * changes only in the event sourcing handlers. The fields are plain values so that snapshots serialize with Jackson.
 *
 * <p>Besides the tracked window and its count, it keeps the total of every earlier window that had usage
 * ({@code windowTotals}, by window start), so that late usage is judged against its own window exactly like usage on
 * time (ADR 0003), and how much of each reversed usage has been reversed ({@code reversed}, by dedup key). Revision 2:
 * snapshots of revision 1 lack both, so Axon ignores them and the entitlement is sourced from its events.
 */
@Revision("2")
public class Entitlement {

    @AggregateIdentifier
    private String id;

    private String userId;
    private String entitlementKey;
    private boolean active;
    private UsagePolicy policy;
    private PeriodWindow window;
    private long used;
    /** The total of each earlier window with usage, by {@code periodStart}; the tracked window's is {@code used}. */
    private Map<String, Long> windowTotals = new HashMap<>();
    /** How much has been reversed of each usage that has reversals, by dedup key. */
    private Map<String, Long> reversed = new HashMap<>();

    Entitlement() {
        // required by Axon (creation policy and event sourcing) and by the snapshot serializer
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(GrantEntitlement command) {
        if (id != null) {
            throw new EntitlementRejection(
                    RejectionReason.ENTITLEMENT_EXISTS,
                    "entitlement " + command.id() + " already exists; change it instead of granting it again");
        }
        UsagePolicy usage = command.usage();
        PeriodWindow first = usage == null ? null : usage.windowContaining(command.at(), command.at());
        apply(new EntitlementGranted(
                command.id().userId(),
                command.id().entitlementKey(),
                command.active(),
                usage,
                first == null ? null : first.start(),
                first == null ? null : first.end(),
                command.at()));
    }

    /**
     * Imports an entitlement with its opening balance. The count applies only while the source's window is still
     * current: the window that contains the import starts at the source's {@code periodStart} (the policy's anchor).
     * When it has passed, the entitlement starts in the window that contains the import with 0 used.
     */
    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(ImportEntitlement command) {
        if (id != null) {
            throw new EntitlementRejection(
                    RejectionReason.ENTITLEMENT_EXISTS,
                    "entitlement " + command.id() + " is already in the ledger; an import never changes it");
        }
        // the window continues where the source left it: its start becomes the anchor of every later window
        UsagePolicy usage = command.usage() == null
                ? null
                : new UsagePolicy(
                        command.usage().limit(),
                        command.usage().period(),
                        command.periodStart(),
                        command.usage().overLimit());
        PeriodWindow current = usage == null ? null : usage.windowContaining(command.at(), command.periodStart());
        long opening = current != null && current.start().equals(command.periodStart()) ? command.used() : 0;
        apply(new EntitlementImported(
                command.id().userId(),
                command.id().entitlementKey(),
                command.active(),
                usage,
                opening,
                current == null ? null : current.start(),
                current == null ? null : current.end(),
                command.importedFrom(),
                command.importedBy(),
                command.at()));
    }

    /**
     * Counts usage, or rejects it. Whether its dedup key was already counted is answered before the entitlement is
     * loaded (the command side's lock-and-dedup step), so every command that reaches this handler is new.
     */
    @CommandHandler
    public Consumption handle(ConsumeUsage command) {
        EntitlementId entitlement = command.id();
        requireActive();
        requireTracking();

        Instant occurredAt = command.occurredAt();
        boolean late = occurredAt.isBefore(window.start()) && policy.period() != Period.NONE;
        PeriodWindow target = window;
        long usedBefore = used;
        PeriodReset reset = null;
        if (late) {
            target = policy.windowContaining(occurredAt, window.start());
        } else if (window.hasEndedBy(occurredAt)) {
            target = policy.windowContaining(occurredAt, window.start());
            reset = new PeriodReset(
                    userId,
                    entitlementKey,
                    window.start(),
                    window.end(),
                    used,
                    target.start(),
                    target.end(),
                    PeriodReset.Reason.LAZY,
                    occurredAt);
            usedBefore = 0;
        }
        // Late usage is judged against its own window's total, like usage on time (ADR 0003): a message gets the same
        // decision whichever receive it lands on, even after another message has opened a later window.
        long before = late ? windowTotal(target) : usedBefore;
        if (policy.overLimit() == OverLimit.REJECT && before + command.amount() > policy.limit()) {
            throw EntitlementRejection.limitExceeded(entitlement, policy.limit(), before, command.amount());
        }
        if (reset != null) {
            apply(reset);
        }
        apply(new UsageConsumed(
                userId,
                entitlementKey,
                command.amount(),
                occurredAt,
                target.start(),
                target.end(),
                late ? null : Math.addExact(usedBefore, command.amount()),
                policy.limit(),
                late,
                command.dedupKey(),
                command.sourceMessageId(),
                command.metadata()));
        return Consumption.COUNTED;
    }

    /**
     * Reverses part or all of a counted usage, in whichever window it was counted, on an active or inactive
     * entitlement: it corrects the past. When the usage is in the tracked window, that window's count drops (never
     * below 0); otherwise the earlier window's total drops and the current count does not change. A dry run answers
     * what the reversal would do and emits nothing.
     */
    @CommandHandler
    public Reversal handle(ReverseUsage command) {
        CountedUsage original = command.original();
        if (original == null) {
            throw new EntitlementRejection(
                    RejectionReason.USAGE_NOT_FOUND,
                    "no usage was counted on " + id + " under the dedup key '" + command.dedupKey() + "'");
        }
        long left = original.amount() - reversed.getOrDefault(original.dedupKey(), 0L);
        long amount = command.amount() == null ? left : command.amount();
        if (left == 0 || amount > left) {
            throw new EntitlementRejection(
                    RejectionReason.REVERSAL_EXCEEDS_ORIGINAL,
                    "cannot reverse " + amount + " of the usage '" + original.dedupKey() + "' on " + id + ": "
                            + original.amount() + " were counted and " + left + " remain unreversed");
        }
        boolean inTrackedWindow = window != null && window.start().equals(original.periodStart());
        boolean current = inTrackedWindow && !window.hasEndedBy(command.at());
        Long usedAfter = inTrackedWindow ? Math.max(0, used - amount) : null;
        long usedNow = window == null || window.hasEndedBy(command.at()) ? 0 : current ? usedAfter : used;
        Reversal reversal = new Reversal(
                command.reversalId(),
                original.dedupKey(),
                amount,
                left - amount,
                original.periodStart(),
                original.periodEnd(),
                current,
                usedNow);
        if (!command.dryRun()) {
            apply(new UsageReversed(
                    userId,
                    entitlementKey,
                    command.reversalId(),
                    original.dedupKey(),
                    amount,
                    left - amount,
                    original.occurredAt(),
                    original.periodStart(),
                    original.periodEnd(),
                    current,
                    usedAfter,
                    command.reason(),
                    command.caller(),
                    command.at()));
        }
        return reversal;
    }

    @CommandHandler
    public void handle(ChangeUsagePolicy command) {
        UsagePolicy next = command.usage();
        if (Objects.equals(next, policy)) {
            return;
        }
        if (next == null) {
            apply(new UsagePolicyChanged(userId, entitlementKey, null, null, null, 0, command.at()));
            return;
        }
        PeriodWindow current = window == null || window.hasEndedBy(command.at()) ? null : window;
        Instant origin = current != null ? current.start() : command.at();
        PeriodWindow nextWindow = next.windowContaining(command.at(), origin);
        long carried = nextWindow.equals(current) ? used : 0;
        apply(new UsagePolicyChanged(
                userId, entitlementKey, next, nextWindow.start(), nextWindow.end(), carried, command.at()));
    }

    @CommandHandler
    public void handle(DeactivateEntitlement command) {
        if (active) {
            apply(new EntitlementDeactivated(userId, entitlementKey, command.at()));
        }
    }

    @CommandHandler
    public void handle(ActivateEntitlement command) {
        if (!active) {
            apply(new EntitlementActivated(userId, entitlementKey, command.at()));
        }
    }

    @CommandHandler
    public void handle(ResetPeriod command) {
        requireTracking();
        PeriodWindow next =
                window.hasEndedBy(command.at()) ? policy.windowContaining(command.at(), window.start()) : window;
        apply(new PeriodReset(
                userId,
                entitlementKey,
                window.start(),
                window.end(),
                used,
                next.start(),
                next.end(),
                PeriodReset.Reason.MANUAL,
                command.at()));
    }

    private long windowTotal(PeriodWindow target) {
        return windowTotals.getOrDefault(target.start().toString(), 0L);
    }

    /** Keeps the total of the tracked window when another window becomes the tracked one. */
    private void closeTrackedWindow(Instant nextStart) {
        if (window != null && !window.start().equals(nextStart)) {
            windowTotals.put(window.start().toString(), used);
        }
    }

    private void requireActive() {
        if (!active) {
            throw new EntitlementRejection(
                    RejectionReason.ENTITLEMENT_INACTIVE,
                    "entitlement " + id + " is inactive; activate it to record usage");
        }
    }

    private void requireTracking() {
        if (policy == null) {
            throw new EntitlementRejection(
                    RejectionReason.NO_USAGE_TRACKING,
                    "entitlement " + id + " has no usage policy, so usage is not tracked");
        }
    }

    @EventSourcingHandler
    void on(EntitlementGranted event) {
        id = EntitlementId.of(event.userId(), event.entitlementKey()).toString();
        userId = event.userId();
        entitlementKey = event.entitlementKey();
        active = event.active();
        policy = event.usage();
        window = event.usage() == null ? null : new PeriodWindow(event.periodStart(), event.periodEnd());
        used = 0;
    }

    @EventSourcingHandler
    void on(EntitlementImported event) {
        id = EntitlementId.of(event.userId(), event.entitlementKey()).toString();
        userId = event.userId();
        entitlementKey = event.entitlementKey();
        active = event.active();
        policy = event.usage();
        window = event.usage() == null ? null : new PeriodWindow(event.periodStart(), event.periodEnd());
        used = event.used();
    }

    @EventSourcingHandler
    void on(UsagePolicyChanged event) {
        closeTrackedWindow(event.periodStart());
        policy = event.usage();
        window = event.usage() == null ? null : new PeriodWindow(event.periodStart(), event.periodEnd());
        used = event.used();
    }

    @EventSourcingHandler
    void on(EntitlementDeactivated event) {
        active = false;
    }

    @EventSourcingHandler
    void on(EntitlementActivated event) {
        active = true;
    }

    @EventSourcingHandler
    void on(PeriodReset event) {
        if (!event.previousPeriodStart().equals(event.periodStart())) {
            windowTotals.put(event.previousPeriodStart().toString(), event.previousUsage());
        }
        window = new PeriodWindow(event.periodStart(), event.periodEnd());
        used = 0;
    }

    @EventSourcingHandler
    void on(UsageConsumed event) {
        if (event.late()) {
            windowTotals.merge(event.periodStart().toString(), event.amount(), Math::addExact);
        } else {
            used = event.usedAfter();
        }
    }

    @EventSourcingHandler
    void on(UsageReversed event) {
        reversed.merge(event.reversalOf(), event.amount(), Math::addExact);
        if (event.usedAfter() != null) {
            used = event.usedAfter();
        } else {
            windowTotals.computeIfPresent(
                    event.periodStart().toString(), (start, total) -> Math.max(0, total - event.amount()));
        }
    }
}
