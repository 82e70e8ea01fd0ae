package dev.ledger.local;

import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * ElasticMQ in-process on {@code 127.0.0.1:9324}, for the local run. The queues are created by the application
 * ({@code ledger.sqs.create-queues}). The node address makes the queue URLs it returns reachable, so producers on this
 * machine can use the seed's examples with {@code --endpoint-url http://127.0.0.1:9324}.
 */
@Configuration(proxyBeanMethods = false)
@Profile(LocalLedgerApplication.PROFILE)
@ConditionalOnProperty(name = "ledger.local.sqs-enabled", havingValue = "true", matchIfMissing = true)
class EmbeddedSqsConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSqsConfiguration.class);

    @Bean(destroyMethod = "stopAndWait")
    SQSRestServer elasticMq(LocalSettings settings) {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1")
                .withPort(settings.sqsPort())
                .withServerAddress(new NodeAddress("http", "127.0.0.1", settings.sqsPort(), ""))
                .withAWSRegion("us-east-1")
                .start();
        server.waitUntilStarted();
        log.info("Embedded SQS (ElasticMQ) listening on http://127.0.0.1:{}", settings.sqsPort());
        return server;
    }
}
