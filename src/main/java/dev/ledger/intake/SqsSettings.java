package dev.ledger.intake;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The usage queue and its worker ({@code ledger.sqs.*}).
 *
 * @param queue              name or URL of the usage queue; {@code USAGE_EVENT_QUEUE_URL} as in the seed; required
 * @param deadLetterQueue    name or URL of the DLQ; required
 * @param concurrency        messages in flight at once (the seed's Lambda handled batches of 20)
 * @param maxMessagesPerPoll messages asked for per receive call (SQS allows at most 10)
 * @param pollTimeout        long-polling wait of a receive call
 * @param maxFutureSkew      how far in the future {@code occurredAt} may lie before the message is invalid
 * @param transientRetryMax  how long a message that hit a transient failure (database down) is retried in place before
 *                           it is left for SQS to redeliver
 * @param transientRetryBackoff    the first pause of the in-place retry; each further pause doubles it
 * @param transientRetryMaxBackoff the longest pause of the in-place retry
 * @param shutdownTimeout    how long shutdown waits for messages in flight
 * @param createQueues       create both queues with the redrive policy at startup (local run and tests; in AWS
 *                           Terraform creates them)
 * @param maxReceiveCount    {@code maxReceiveCount} of the usage queue's redrive policy: used for created queues, and
 *                           to tell a rejection on its last receive (metric {@code ledger.intake.dead.lettered}); in
 *                           AWS Terraform sets it to the queue's value
 * @param visibilityTimeout  visibility timeout of created queues; also the retry delay of rejected messages
 * @param listenerEnabled    poll the usage queue (off for command-line jobs)
 * @param acknowledgementInterval how long deletes of processed messages are gathered (up to 10 per batch call) before
 *                           they are sent; a worker killed in between receives those messages again, as duplicates
 */
@ConfigurationProperties("ledger.sqs")
public record SqsSettings(
        String queue,
        String deadLetterQueue,
        @DefaultValue("20") int concurrency,
        @DefaultValue("10") int maxMessagesPerPoll,
        @DefaultValue("10s") Duration pollTimeout,
        @DefaultValue("5m") Duration maxFutureSkew,
        @DefaultValue("2m") Duration transientRetryMax,
        @DefaultValue("200ms") Duration transientRetryBackoff,
        @DefaultValue("10s") Duration transientRetryMaxBackoff,
        @DefaultValue("20s") Duration shutdownTimeout,
        @DefaultValue("false") boolean createQueues,
        @DefaultValue("5") int maxReceiveCount,
        @DefaultValue("180s") Duration visibilityTimeout,
        @DefaultValue("true") boolean listenerEnabled,
        @DefaultValue("100ms") Duration acknowledgementInterval) {

    public SqsSettings {
        if (concurrency < 1) {
            throw new IllegalArgumentException("ledger.sqs.concurrency must be >= 1");
        }
        if (maxMessagesPerPoll < 1 || maxMessagesPerPoll > 10) {
            throw new IllegalArgumentException("ledger.sqs.max-messages-per-poll must be between 1 and 10");
        }
        if (transientRetryBackoff.isNegative()
                || transientRetryBackoff.isZero()
                || transientRetryMaxBackoff.compareTo(transientRetryBackoff) < 0) {
            throw new IllegalArgumentException("ledger.sqs.transient-retry-backoff must be positive and at most "
                    + "ledger.sqs.transient-retry-max-backoff");
        }
        if (maxReceiveCount < 1) {
            throw new IllegalArgumentException("ledger.sqs.max-receive-count must be >= 1");
        }
    }
}
