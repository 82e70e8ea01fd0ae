package dev.ledger.intake;

import io.micrometer.core.instrument.FunctionCounter;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import dev.ledger.entitlement.Consumption;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.InvalidInput;
import dev.ledger.command.Ledger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Decides the fate of one usage message. Every message ends in exactly one outcome:
 * <ul>
 *   <li>{@link Outcome#COUNTED} and {@link Outcome#DUPLICATE}: acknowledge (delete);</li>
 *   <li>{@link Outcome#REJECTED} (a business rejection): record it and leave the message, so SQS retries it and the
 *       redrive policy moves it to the DLQ after {@code maxReceiveCount} receives;</li>
 *   <li>{@link Outcome#INVALID}: record it, move it to the DLQ with its reason at once, then acknowledge;</li>
 *   <li>{@link Outcome#TRANSIENT} (database down, conflicts beyond retries): retried in place with backoff while the
 *       visibility timeout is extended, then left for SQS to redeliver. Never acknowledged, never lost.</li>
 * </ul>
 */
@Component
public class UsageIntake {

    private static final Logger log = LoggerFactory.getLogger(UsageIntake.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final Ledger ledger;
    private final DeadLetters deadLetters;
    private final RejectionLog rejections;
    private final SqsSettings settings;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Timer latency;
    private final Map<Outcome, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final LongAdder redeliveries = new LongAdder();
    private final LongAdder invalidDeadLettered = new LongAdder();
    private final LongAdder rejectedDeadLettered = new LongAdder();
    private volatile boolean stopping;

    UsageIntake(Ledger ledger, DeadLetters deadLetters, RejectionLog rejections, SqsSettings settings, Clock clock,
                MeterRegistry meters) {
        this.ledger = ledger;
        this.deadLetters = deadLetters;
        this.rejections = rejections;
        this.settings = settings;
        this.clock = clock;
        this.meters = meters;
        this.latency = Timer.builder("ledger.intake.latency")
                .description("time from SQS SentTimestamp until the usage is committed")
                .publishPercentileHistogram()
                .register(meters);
        FunctionCounter.builder("ledger.intake.redeliveries", redeliveries, LongAdder::sum)
                .description("usage messages received more than once: a worker stopped, or the visibility timeout "
                        + "passed, before the message was deleted; or a rejected message retried")
                .register(meters);
        // Registered at once, so CloudWatch receives zeros (not missing data) and the alarms on them (infra/,
        // adr/0018) can tell "none" from "not published".
        deadLettered("invalid", invalidDeadLettered, "invalid messages the worker moved to the DLQ at once");
        deadLettered("rejected", rejectedDeadLettered, "business rejections on their last receive "
                + "(ledger.sqs.max-receive-count), which the queue's redrive policy moves to the DLQ");
    }

    private void deadLettered(String kind, LongAdder count, String description) {
        FunctionCounter.builder("ledger.intake.dead.lettered", count, LongAdder::sum).description(description)
                .tag("kind", kind).register(meters);
    }

    /** Messages this instance sent on their way to the DLQ, by kind ({@code invalid} or {@code rejected}). */
    double deadLettered(String kind) {
        return (kind.equals("invalid") ? invalidDeadLettered : rejectedDeadLettered).sum();
    }

    /** What happened to a message. */
    public enum Outcome {
        COUNTED(true), DUPLICATE(true), REJECTED(false), INVALID(true), TRANSIENT(false);

        private final boolean acknowledge;

        Outcome(boolean acknowledge) {
            this.acknowledge = acknowledge;
        }

        /** Whether the message is deleted from the usage queue. */
        public boolean acknowledge() {
            return acknowledge;
        }
    }

    /**
     * @param message            the SQS message as received
     * @param extendVisibility   sets the message's visibility timeout, in seconds, while it is retried in place
     */
    public Outcome process(Message message, IntConsumer extendVisibility) {
        Outcome outcome = decide(message, extendVisibility);
        outcomes.computeIfAbsent(outcome, o -> {
            LongAdder count = new LongAdder();
            FunctionCounter.builder("ledger.intake.messages", count, LongAdder::sum)
                    .description("usage messages by outcome").tag("outcome", o.name().toLowerCase()).register(meters);
            return count;
        }).increment();
        return outcome;
    }

    /** How many messages this instance has ended with {@code outcome} (the {@code ledger.intake.messages} counter). */
    double count(Outcome outcome) {
        LongAdder count = outcomes.get(outcome);
        return count == null ? 0 : count.sum();
    }

    /**
     * On SIGTERM the context closes: messages in flight finish their current attempt instead of waiting out transient
     * failures, and are either counted and deleted or left for redelivery.
     */
    @EventListener(ContextClosedEvent.class)
    public void stopRetrying() {
        stopping = true;
    }

    private Outcome decide(Message message, IntConsumer extendVisibility) {
        Instant now = clock.instant();
        int receiveCount = intAttribute(message, MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, 1);
        String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        Instant sentAt = sent == null ? null : Instant.ofEpochMilli(Long.parseLong(sent));
        String messageId = DeadLetters.originalId(message);
        if (receiveCount > 1) {
            redeliveries.increment();
            log.info("Usage message {} received again (receive {})", message.messageId(), receiveCount);
        }

        UsageMessages.Parsed parsed = UsageMessages.parse(message.body(), messageId, sentAt, now,
                settings.maxFutureSkew());
        if (!parsed.valid()) {
            return deadLetter(message, messageId, receiveCount, parsed.invalid(), now);
        }

        Duration backoff = FIRST_BACKOFF;
        Instant giveUpAt = now.plus(settings.transientRetryMax());
        while (true) {
            try {
                Consumption consumption = ledger.consume(parsed.command());
                if (consumption == Consumption.COUNTED && sentAt != null) {
                    latency.record(Duration.between(sentAt, clock.instant()).abs());
                }
                return consumption == Consumption.COUNTED ? Outcome.COUNTED : Outcome.DUPLICATE;
            } catch (EntitlementRejection rejection) {
                rejections.record(messageId, receiveCount, parsed.command().dedupKey(), parsed.command().id().userId(),
                        parsed.command().id().entitlementKey(), rejection.reason().name(), rejection.getMessage(),
                        RejectionLog.Outcome.RETRY, now, message.body());
                if (receiveCount >= settings.maxReceiveCount()) {
                    rejectedDeadLettered.increment();
                    log.info("Usage message {} rejected ({}) on its last receive ({}): the redrive policy moves it to "
                            + "the DLQ: {}", messageId, rejection.reason(), receiveCount, rejection.getMessage());
                } else {
                    log.info("Usage message {} rejected ({}), receive {}: {}", messageId, rejection.reason(),
                            receiveCount, rejection.getMessage());
                }
                return Outcome.REJECTED;
            } catch (InvalidInput invalid) {
                return deadLetter(message, messageId, receiveCount, new Invalid(invalid.code(), invalid.getMessage(),
                        parsed.command().id().userId(), parsed.command().id().entitlementKey(),
                        parsed.command().dedupKey()), now);
            } catch (RuntimeException failure) {
                if (stopping || Thread.currentThread().isInterrupted() || clock.instant().isAfter(giveUpAt)) {
                    log.warn("Usage message {} failed transiently and is left for redelivery: {}", messageId,
                            failure.toString());
                    return Outcome.TRANSIENT;
                }
                log.warn("Usage message {} failed transiently, retrying in {} ms: {}", messageId, backoff.toMillis(),
                        failure.toString());
                if (!pause(backoff, extendVisibility)) {
                    return Outcome.TRANSIENT;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private Outcome deadLetter(Message message, String messageId, int receiveCount, Invalid invalid, Instant now) {
        deadLetters.moveInvalid(message, messageId, receiveCount, invalid);
        rejections.record(messageId, receiveCount, invalid.dedupKey(), invalid.userId(), invalid.entitlementKey(),
                invalid.code(), invalid.detail(), RejectionLog.Outcome.DEAD_LETTERED, now, message.body());
        Counter.builder("ledger.intake.dead.letters").description("messages moved to the DLQ by the worker")
                .tag("reason", invalid.code()).register(meters).increment();
        invalidDeadLettered.increment();
        log.info("Usage message {} is invalid ({}) and was moved to the DLQ: {}", messageId, invalid.code(),
                invalid.detail());
        return Outcome.INVALID;
    }

    private static boolean pause(Duration backoff, IntConsumer extendVisibility) {
        try {
            extendVisibility.accept((int) Math.max(30, backoff.multipliedBy(3).toSeconds()));
        } catch (RuntimeException e) {
            log.warn("Could not extend the visibility of a message being retried: {}", e.toString());
        }
        try {
            Thread.sleep(backoff.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int intAttribute(Message message, MessageSystemAttributeName name, int fallback) {
        String value = message.attributes().get(name);
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
