package dev.ledger.intake;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.Consumption;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.InvalidInput;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.retry.RetryContext;
import org.springframework.retry.backoff.ExponentialBackOffPolicy;
import org.springframework.retry.support.RetrySynchronizationManager;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * One receive of a usage message in one pass: classify it, then act on its {@link Disposition} once (adr/0005).
 * Classifying parses the body ({@link UsageMessages}) and sends a valid one as {@code ConsumeUsage}; a transient
 * failure of the send is retried in place by one Spring Retry policy (exponential back-off, the message's visibility
 * extended before each pause). Acting records a rejection, or moves an invalid message to the DLQ
 * ({@link DeadLetterRouting}) and records it; the listener then deletes the message if its disposition says so.
 */
@Component
public class UsageIntake {

    private static final Logger log = LoggerFactory.getLogger(UsageIntake.class);
    /** The {@link RetryContext} attribute that holds the message being retried in place. */
    private static final String IN_FLIGHT = "ledger.intake.in-flight";

    private final Ledger ledger;
    private final DeadLetterRouting deadLetters;
    private final RejectionLog rejections;
    private final UsageReceipts receipts;
    private final SqsSettings settings;
    private final Clock clock;
    private final MeterRegistry meters;
    private final RetryTemplate transientRetry;
    private final Timer latency;
    // The counts are this instance's own adders, published as FunctionCounters: a Counter from a composite registry
    // without a registry under it yet counts nothing, and the tests read these counts straight from the intake.
    private final LongAdder redeliveries = new LongAdder();
    private final LongAdder invalidDeadLettered = new LongAdder();
    private final LongAdder rejectedDeadLettered = new LongAdder();
    private final Map<Disposition, LongAdder> dispositions = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    UsageIntake(
            Ledger ledger,
            DeadLetterRouting deadLetters,
            RejectionLog rejections,
            UsageReceipts receipts,
            SqsSettings settings,
            Clock clock,
            MeterRegistry meters) {
        this.ledger = ledger;
        this.deadLetters = deadLetters;
        this.rejections = rejections;
        this.receipts = receipts;
        this.settings = settings;
        this.clock = clock;
        this.meters = meters;
        ExponentialBackOffPolicy backOff = new ExponentialBackOffPolicy();
        backOff.setInitialInterval(settings.transientRetryBackoff().toMillis());
        backOff.setMultiplier(2);
        backOff.setMaxInterval(settings.transientRetryMaxBackoff().toMillis());
        backOff.setSleeper(UsageIntake::pause);
        this.transientRetry = RetryTemplate.builder()
                .withTimeout(settings.transientRetryMax())
                .customBackoff(backOff)
                // decisions are final; on shutdown a message finishes its current attempt instead of waiting
                .retryOn(failure -> !stopping
                        && !Thread.currentThread().isInterrupted()
                        && !(failure instanceof EntitlementRejection)
                        && !(failure instanceof InvalidInput))
                .build();
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
        deadLettered(
                "rejected",
                rejectedDeadLettered,
                "business rejections on their last receive "
                        + "(ledger.sqs.max-receive-count), which the queue's redrive policy moves to the DLQ");
    }

    private void deadLettered(String kind, LongAdder count, String description) {
        FunctionCounter.builder("ledger.intake.dead.lettered", count, LongAdder::sum)
                .description(description)
                .tag("kind", kind)
                .register(meters);
    }

    /** Messages this instance sent on their way to the DLQ, by kind ({@code invalid} or {@code rejected}). */
    double deadLettered(String kind) {
        return (kind.equals("invalid") ? invalidDeadLettered : rejectedDeadLettered).sum();
    }

    /** How many messages this instance has ended with {@code disposition} ({@code ledger.intake.messages}). */
    double count(Disposition disposition) {
        LongAdder count = dispositions.get(disposition);
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

    /**
     * @param message          the SQS message as received
     * @param extendVisibility sets the message's visibility timeout, in seconds, while it is retried in place
     */
    public Disposition process(Message message, IntConsumer extendVisibility) {
        Received received = Received.of(message, clock.instant());
        if (received.receiveCount() > 1) {
            redeliveries.increment();
            log.info("Usage message {} received again (receive {})", message.messageId(), received.receiveCount());
        }
        Classified classified = classify(received, extendVisibility);
        act(received, classified);
        dispositions
                .computeIfAbsent(classified.disposition(), d -> {
                    LongAdder count = new LongAdder();
                    FunctionCounter.builder("ledger.intake.messages", count, LongAdder::sum)
                            .description("usage messages by outcome")
                            .tag("outcome", d.name().toLowerCase())
                            .register(meters);
                    return count;
                })
                .increment();
        return classified.disposition();
    }

    /** One receive: the SQS message, the id it was first received under, its receive count and send time. */
    private record Received(Message message, String id, int receiveCount, Instant sentAt, Instant at) {

        static Received of(Message message, Instant at) {
            String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
            return new Received(
                    message,
                    LedgerAttributes.originalId(message),
                    receiveCount(message),
                    sent == null ? null : Instant.ofEpochMilli(Long.parseLong(sent)),
                    at);
        }

        private static int receiveCount(Message message) {
            try {
                return Integer.parseInt(message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
            } catch (NumberFormatException e) {
                return 1;
            }
        }
    }

    /** What a message came to: the command for a valid body, the reason for a rejected or an invalid one. */
    private record Classified(
            Disposition disposition, ConsumeUsage command, EntitlementRejection rejection, InvalidMessage invalid) {}

    /** The message being retried in place, for the pauses between its attempts. */
    private record InFlight(String id, IntConsumer extendVisibility) {}

    private Classified classify(Received received, IntConsumer extendVisibility) {
        UsageMessages.Parsed parsed = UsageMessages.parse(
                received.message().body(), received.id(), received.sentAt(), received.at(), settings.maxFutureSkew());
        if (!parsed.valid()) {
            return new Classified(Disposition.INVALID, null, null, parsed.invalid());
        }
        ConsumeUsage command = parsed.command();
        try {
            Consumption consumption = transientRetry.execute(attempt -> {
                attempt.setAttribute(IN_FLIGHT, new InFlight(received.id(), extendVisibility));
                return ledger.consume(command, received.sentAt());
            });
            return new Classified(
                    consumption == Consumption.COUNTED ? Disposition.COUNTED : Disposition.DUPLICATE,
                    command,
                    null,
                    null);
        } catch (EntitlementRejection rejection) {
            return new Classified(Disposition.REJECTED, command, rejection, null);
        } catch (InvalidInput invalid) {
            return new Classified(
                    Disposition.INVALID,
                    command,
                    null,
                    new InvalidMessage(
                            invalid.code(),
                            invalid.getMessage(),
                            command.id().userId(),
                            command.id().entitlementKey(),
                            command.dedupKey()));
        } catch (RuntimeException failure) {
            log.warn(
                    "Usage message {} failed transiently and is left for redelivery: {}",
                    received.id(),
                    failure.toString());
            return new Classified(Disposition.TRANSIENT, command, null, null);
        }
    }

    private void act(Received received, Classified classified) {
        switch (classified.disposition()) {
            case COUNTED -> {
                if (received.sentAt() != null) {
                    latency.record(
                            Duration.between(received.sentAt(), clock.instant()).abs());
                }
            }
            case REJECTED -> reject(received, classified.command(), classified.rejection());
            case INVALID -> deadLetter(received, classified.invalid());
            case DUPLICATE ->
                receipts.duplicate(
                        classified.command().dedupKey(),
                        received.id(),
                        classified.command().id().toString(),
                        received.at());
            case TRANSIENT -> {}
        }
    }

    private void reject(Received received, ConsumeUsage command, EntitlementRejection rejection) {
        rejections.record(
                received.id(),
                received.receiveCount(),
                command.dedupKey(),
                command.id().userId(),
                command.id().entitlementKey(),
                rejection.reason().name(),
                rejection.getMessage(),
                RejectionLog.NextStep.RETRY,
                received.at(),
                received.message().body());
        if (received.receiveCount() >= settings.maxReceiveCount()) {
            rejectedDeadLettered.increment();
            log.info(
                    "Usage message {} rejected ({}) on its last receive ({}): the redrive policy moves it to the DLQ: "
                            + "{}",
                    received.id(),
                    rejection.reason(),
                    received.receiveCount(),
                    rejection.getMessage());
        } else {
            log.info(
                    "Usage message {} rejected ({}), receive {}: {}",
                    received.id(),
                    rejection.reason(),
                    received.receiveCount(),
                    rejection.getMessage());
        }
    }

    private void deadLetter(Received received, InvalidMessage invalid) {
        deadLetters.route(received.message(), received.id(), received.receiveCount(), invalid);
        rejections.record(
                received.id(),
                received.receiveCount(),
                invalid.dedupKey(),
                invalid.userId(),
                invalid.entitlementKey(),
                invalid.code(),
                invalid.detail(),
                RejectionLog.NextStep.DEAD_LETTERED,
                received.at(),
                received.message().body());
        Counter.builder("ledger.intake.dead.letters")
                .description("messages moved to the DLQ by the worker")
                .tag("reason", invalid.code())
                .register(meters)
                .increment();
        invalidDeadLettered.increment();
        log.info(
                "Usage message {} is invalid ({}) and was moved to the DLQ: {}",
                received.id(),
                invalid.code(),
                invalid.detail());
    }

    /** The back-off's pause: the message's visibility is extended past it first, so no other receive takes it. */
    private static void pause(long millis) throws InterruptedException {
        RetryContext attempt = RetrySynchronizationManager.getContext();
        InFlight message = (InFlight) attempt.getAttribute(IN_FLIGHT);
        log.warn(
                "Usage message {} failed transiently, retrying in {} ms: {}",
                message.id(),
                millis,
                attempt.getLastThrowable().toString());
        try {
            message.extendVisibility().accept((int) Math.max(30, 3 * millis / 1000));
        } catch (RuntimeException e) {
            log.warn("Could not extend the visibility of a message being retried: {}", e.toString());
        }
        Thread.sleep(millis);
    }
}
