package dev.ledger.projection;

import dev.ledger.local.LocalDynamoDb;
import dev.ledger.support.TestDatabase;
import dev.ledger.support.TestDynamoDb;
import dev.ledger.support.TestSqs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.axonframework.serialization.upcasting.event.EventUpcaster;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/**
 * What the {@link WholeProjectionTest} context runs on: a database of its own, queues of its own
 * ({@code ledger-whole-usage-event-queue}) and a dynalite of its own that keeps its tables on disk, so that a test can
 * stop it for an outage and start it again with its items ({@link #stopDynamoDb}, {@link #startDynamoDb}).
 */
public final class WholeProjection {

    private static final String ENVIRONMENT = "whole";

    private static TestDatabase.Database database;
    private static LocalDynamoDb dynamo;
    private static int dynamoPort;
    private static Path dynamoData;

    private WholeProjection() {}

    /** Points the context at its own database, queues and dynalite, which are started on first use. */
    public static class Initializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            TestPropertyValues.of(database().springProperties())
                    .and(TestSqs.springProperties())
                    .and(TestDynamoDb.springProperties(dynamoDbEndpoint()))
                    .and("ledger.environment=" + ENVIRONMENT)
                    .applyTo(context.getEnvironment());
        }
    }

    /** The beans the classes on this context add to the application. */
    @TestConfiguration(proxyBeanMethods = false)
    static class TestBeans {
        @Bean
        ControlledBulk controlledBulk() {
            return new ControlledBulk();
        }

        @Bean
        EventUpcaster renamedUsageUpcaster() {
            return new RenamedUsageUpcaster();
        }
    }

    private static synchronized TestDatabase.Database database() {
        if (database == null) {
            database = TestDatabase.newDatabase();
        }
        return database;
    }

    private static synchronized String dynamoDbEndpoint() {
        if (dynamoData == null) {
            try {
                dynamoData = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "whole-dynalite");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            dynamoPort = TestDynamoDb.freePort();
            startDynamoDb();
        }
        return "http://127.0.0.1:" + dynamoPort;
    }

    /** Stops the context's DynamoDB: every call to it fails until {@link #startDynamoDb}. */
    public static synchronized void stopDynamoDb() {
        if (dynamo != null) {
            dynamo.close();
            dynamo = null;
        }
    }

    /** Starts the context's DynamoDB again, on the same port, with the tables and items it had when it stopped. */
    public static synchronized void startDynamoDb() {
        if (dynamo == null) {
            dynamo = TestDynamoDb.start(dynamoPort, dynamoData);
        }
    }

    /**
     * How many entitlements the event store holds, every class's: what a check or a rebuild of the whole table covers.
     */
    public static long entitlements(JdbcTemplate jdbc) {
        return jdbc.queryForObject(
                "SELECT count(DISTINCT aggregate_identifier) FROM domain_event_entry WHERE type = 'Entitlement'",
                Long.class);
    }

    /**
     * Closes the context once every test of the run is done, then stops its dynalite. Left to the JVM's shutdown, it
     * would close while the test database stops under it (the shutdown hooks run at the same time), and wait for
     * connections that never come.
     */
    public static class CloseAtTheEnd implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext extension) {
            ConfigurableApplicationContext context =
                    (ConfigurableApplicationContext) SpringExtension.getApplicationContext(extension);
            extension
                    .getRoot()
                    .getStore(ExtensionContext.Namespace.create(WholeProjection.class))
                    .getOrComputeIfAbsent(
                            "context",
                            key -> (ExtensionContext.Store.CloseableResource) () -> {
                                context.close();
                                shutDown();
                            },
                            ExtensionContext.Store.CloseableResource.class);
        }
    }

    private static synchronized void shutDown() {
        stopDynamoDb();
        try (Stream<Path> files = Files.walk(dynamoData)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
