package dev.ledger.support;

import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/** Points an application context at the database shared by all {@link IntegrationTest} classes. */
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
        TestPropertyValues.of(sharedDatabase().springProperties()).applyTo(context.getEnvironment());
    }
}
