package dev.ledger.support;

import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Points an application context at the database and SQS server shared by all {@link IntegrationTest} classes; its
 * queues are {@code ledger-shared-usage-event-queue} and {@code ledger-shared-usage-event-dlq}.
 */
public class SharedDatabaseInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    private static TestDatabase.Database shared;

    public static synchronized TestDatabase.Database sharedDatabase() {
        if (shared == null) {
            shared = TestDatabase.newDatabase();
        }
        return shared;
    }

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        TestPropertyValues.of(sharedDatabase().springProperties())
                .and(TestSqs.springProperties())
                .and(TestDynamoDb.springProperties())
                .and("ledger.environment=shared")
                .applyTo(context.getEnvironment());
    }
}
