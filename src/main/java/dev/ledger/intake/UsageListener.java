package dev.ledger.intake;

import io.awspring.cloud.sqs.annotation.SqsListener;
import io.awspring.cloud.sqs.listener.SqsHeaders;
import io.awspring.cloud.sqs.listener.Visibility;
import io.awspring.cloud.sqs.listener.acknowledgement.Acknowledgement;
import org.springframework.messaging.Message;
import org.springframework.stereotype.Component;

/**
 * Receives usage messages one at a time (never as a batch), so each message is acknowledged on its own: a poison
 * message in a poll never causes the good ones to be redelivered. Acknowledgement is manual: only counted, duplicate
 * and dead-lettered messages are deleted.
 */
@Component
class UsageListener {

    static final String LISTENER_ID = "usage-intake";

    private final UsageIntake intake;

    UsageListener(UsageIntake intake) {
        this.intake = intake;
    }

    @SqsListener(id = LISTENER_ID, queueNames = "${ledger.sqs.queue}", factory = SqsConfiguration.CONTAINER_FACTORY)
    void receive(Message<String> message, Acknowledgement acknowledgement, Visibility visibility) {
        software.amazon.awssdk.services.sqs.model.Message source = message.getHeaders()
                .get(SqsHeaders.SQS_SOURCE_DATA_HEADER, software.amazon.awssdk.services.sqs.model.Message.class);
        if (intake.process(source, visibility::changeTo).acknowledge()) {
            acknowledgement.acknowledge();
        }
    }
}
