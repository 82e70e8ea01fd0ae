package dev.ledger.intake;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** {@code sqs} in {@code /actuator/health}: both queues reachable, with their depths. */
@Component("sqs")
class SqsHealthIndicator extends AbstractHealthIndicator {

    private final SqsAsyncClient sqs;
    private final Queues queues;

    SqsHealthIndicator(SqsAsyncClient sqs, Queues queues) {
        super("SQS is not reachable");
        this.sqs = sqs;
        this.queues = queues;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        Map<QueueAttributeName, String> queue = depth(queues.queueUrl());
        Map<QueueAttributeName, String> dlq = depth(queues.deadLetterQueueUrl());
        builder.up()
                .withDetail("queue", queues.queueUrl())
                .withDetail("visible", queue.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                .withDetail("inFlight", queue.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .withDetail("deadLetterQueue", queues.deadLetterQueueUrl())
                .withDetail("deadLetters", dlq.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    private Map<QueueAttributeName, String> depth(String url) throws Exception {
        return sqs.getQueueAttributes(r -> r.queueUrl(url)
                        .attributeNames(List.of(
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)))
                .get(5, TimeUnit.SECONDS)
                .attributes();
    }
}
