package dev.ledger.support;

import dev.ledger.LedgerApplication;
import dev.ledger.local.LocalLedgerApplication;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts whole application instances by hand, for tests about restarts and about several instances on one database. */
public final class LedgerInstances {

    private LedgerInstances() {}

    private static final java.util.concurrent.atomic.AtomicInteger INSTANCES =
            new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Starts an instance in the local profile on {@code database} and the test SQS server. Unless {@code properties}
     * name an environment, each instance gets queues of its own ({@code ledger-iN-usage-event-queue}).
     */
    public static ConfigurableApplicationContext start(TestDatabase.Database database, String... properties) {
        return startWith(new Class<?>[0], database, properties);
    }

    /** As {@link #start}, with {@code sources} (test configurations) added to the application's own. */
    public static ConfigurableApplicationContext startWith(
            Class<?>[] sources, TestDatabase.Database database, String... properties) {
        return start(sources, new String[] {LocalLedgerApplication.PROFILE}, database, properties);
    }

    /**
     * Starts an instance the way a deployment runs: no profile, so every name, credential and token comes from
     * {@code properties}; only the database and the test servers' endpoints are added.
     */
    public static ConfigurableApplicationContext startDeployed(TestDatabase.Database database, String... properties) {
        return start(new Class<?>[0], new String[0], database, properties);
    }

    private static ConfigurableApplicationContext start(
            Class<?>[] sources, String[] profiles, TestDatabase.Database database, String... properties) {
        List<String> args = new ArrayList<>();
        database.springProperties().forEach((key, value) -> args.add("--" + key + "=" + value));
        TestSqs.springProperties().forEach((key, value) -> args.add("--" + key + "=" + value));
        if (Arrays.stream(properties).noneMatch(p -> p.startsWith("spring.cloud.aws.dynamodb.endpoint="))) {
            TestDynamoDb.springProperties().forEach((key, value) -> args.add("--" + key + "=" + value));
        }
        if (Arrays.stream(properties).noneMatch(p -> p.startsWith("ledger.environment="))) {
            args.add("--ledger.environment=i" + INSTANCES.incrementAndGet());
        }
        args.add("--server.port=0");
        for (String property : properties) {
            args.add("--" + property);
        }
        if (Arrays.stream(properties).anyMatch(p -> p.startsWith("spring.cloud.aws.dynamodb.endpoint="))) {
            args.add("--ledger.local.dynamodb-enabled=false");
        }
        Class<?>[] all = new Class<?>[sources.length + 1];
        all[0] = LedgerApplication.class;
        System.arraycopy(sources, 0, all, 1, sources.length);
        return new SpringApplicationBuilder(all).profiles(profiles).run(args.toArray(String[]::new));
    }

    /**
     * The same arguments as {@link #start}, local profile included, for command-line jobs and service processes
     * against the same infrastructure.
     */
    public static String[] arguments(TestDatabase.Database database, String... properties) {
        List<String> args = new ArrayList<>();
        args.add("--spring.profiles.active=" + LocalLedgerApplication.PROFILE);
        database.springProperties().forEach((key, value) -> args.add("--" + key + "=" + value));
        TestSqs.springProperties().forEach((key, value) -> args.add("--" + key + "=" + value));
        if (Arrays.stream(properties).noneMatch(p -> p.startsWith("spring.cloud.aws.dynamodb.endpoint="))) {
            TestDynamoDb.springProperties().forEach((key, value) -> args.add("--" + key + "=" + value));
        }
        for (String property : properties) {
            args.add("--" + property);
        }
        return args.toArray(String[]::new);
    }

    /** A client of {@code context}'s API that authenticates as the development admin. */
    public static org.springframework.web.client.RestClient adminClient(ConfigurableApplicationContext context) {
        return org.springframework.web.client.RestClient.builder()
                .baseUrl(baseUrl(context))
                .defaultHeader("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                .build();
    }

    public static String baseUrl(ConfigurableApplicationContext context) {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        return "http://localhost:" + port;
    }
}
