package dev.ledger.local;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * dynalite on {@code 127.0.0.1:8000} for the local run, in memory. The application creates the table
 * ({@code ledger.dynamodb.create-table}); after a restart the projection rebuilds it from the events.
 */
@Configuration(proxyBeanMethods = false)
@Profile(LocalLedgerApplication.PROFILE)
@ConditionalOnProperty(name = "ledger.local.dynamodb-enabled", havingValue = "true", matchIfMissing = true)
class EmbeddedDynamoDbConfiguration {

    @Bean(destroyMethod = "close")
    LocalDynamoDb localDynamoDb(LocalSettings settings) {
        return LocalDynamoDb.start(
                settings.nodeExecutable(), settings.dynaliteDirectory(), "127.0.0.1", settings.dynamodbPort(), null);
    }
}
