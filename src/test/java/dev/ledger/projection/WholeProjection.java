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
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

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
            // after the tests: OpenContexts has closed the context by then (at the end of the test session), so the
            // projection no longer writes to it
            Runtime.getRuntime().addShutdownHook(new Thread(WholeProjection::shutDown));
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
