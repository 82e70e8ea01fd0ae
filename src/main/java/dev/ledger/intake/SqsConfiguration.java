package dev.ledger.intake;

import io.awspring.cloud.sqs.config.SqsMessageListenerContainerFactory;
import io.awspring.cloud.sqs.listener.QueueNotFoundStrategy;
import io.awspring.cloud.sqs.listener.acknowledgement.handler.AcknowledgementMode;
import java.time.Duration;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** The listener container for the usage queue: manual per-message acknowledgement and bounded concurrency. */
@Configuration(proxyBeanMethods = false)
class SqsConfiguration {

    static final String CONTAINER_FACTORY = "usageListenerContainerFactory";

    @Bean(CONTAINER_FACTORY)
    SqsMessageListenerContainerFactory<Object> usageListenerContainerFactory(SqsAsyncClient sqs, SqsSettings settings) {
        return SqsMessageListenerContainerFactory.builder()
                .sqsAsyncClient(sqs)
                .configure(options -> options.autoStartup(settings.listenerEnabled())
                        .acknowledgementMode(AcknowledgementMode.MANUAL)
                        .maxConcurrentMessages(settings.concurrency())
                        .maxMessagesPerPoll(Math.min(settings.maxMessagesPerPoll(), settings.concurrency()))
                        .pollTimeout(settings.pollTimeout())
                        .listenerShutdownTimeout(settings.shutdownTimeout())
                        .acknowledgementShutdownTimeout(Duration.ofSeconds(10))
                        // deletes leave within 100 ms (Spring's default gathers them for 1 s): a killed worker leaves
                        // fewer counted messages behind to be received again (adr/0013)
                        .acknowledgementInterval(settings.acknowledgementInterval())
                        .acknowledgementThreshold(10)
                        .messageSystemAttributeNames(List.of(MessageSystemAttributeName.ALL))
                        .messageAttributeNames(List.of("All"))
                        .queueNotFoundStrategy(QueueNotFoundStrategy.FAIL))
                .build();
    }
}
