package dev.ledger.intake;

import dev.ledger.startup.StartupStep;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Creates the usage queue and its DLQ with the seed's redrive policy when {@code ledger.sqs.create-queues} is set (the
 * local run and tests). Runs before the listener containers start. In AWS the queues come from Terraform.
 */
@Component
class QueueProvisioner extends StartupStep {

    private static final Logger log = LoggerFactory.getLogger(QueueProvisioner.class);

    private final SqsAsyncClient sqs;
    private final SqsSettings settings;
    private final Queues queues;

    QueueProvisioner(SqsAsyncClient sqs, SqsSettings settings, Queues queues) {
        this.sqs = sqs;
        this.settings = settings;
        this.queues = queues;
    }

    @Override
    protected void run() {
        if (settings.createQueues()) {
            String dlqName = Queues.nameOf(queues.deadLetterQueue());
            String dlqUrl = sqs.createQueue(r -> r.queueName(dlqName)
                            .attributes(Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600")))
                    .join()
                    .queueUrl();
            String dlqArn = sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .join()
                    .attributes()
                    .get(QueueAttributeName.QUEUE_ARN);
            String queueName = Queues.nameOf(queues.queue());
            String redrive = "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\""
                    + settings.maxReceiveCount() + "\"}";
            String queueUrl = sqs.createQueue(r -> r.queueName(queueName)
                            .attributes(Map.of(
                                    QueueAttributeName.VISIBILITY_TIMEOUT,
                                    Long.toString(settings.visibilityTimeout().toSeconds()),
                                    QueueAttributeName.REDRIVE_POLICY,
                                    redrive)))
                    .join()
                    .queueUrl();
            sqs.setQueueAttributes(r -> r.queueUrl(queueUrl)
                            .attributes(Map.of(
                                    QueueAttributeName.VISIBILITY_TIMEOUT,
                                    Long.toString(settings.visibilityTimeout().toSeconds()),
                                    QueueAttributeName.REDRIVE_POLICY,
                                    redrive)))
                    .join();
            log.info(
                    "Usage queue {} (redrive to {} after {} receives, visibility {}s)",
                    queueUrl,
                    dlqUrl,
                    settings.maxReceiveCount(),
                    settings.visibilityTimeout().toSeconds());
        }
    }
}
