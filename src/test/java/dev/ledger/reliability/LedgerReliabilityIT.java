package dev.ledger.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.local.LocalDynamoDb;
import dev.ledger.support.AdminClient;
import dev.ledger.support.TestDatabase;
import dev.ledger.support.TestDynamoDb;
import dev.ledger.support.TestSqs;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The fault-injection suite. Each scenario runs the service as separate processes against its own database and queues,
 * injects a fault while usage flows, and ends with an exact reconciliation: the units in the event store, in
 * {@code usage_history} and in the DynamoDB items all equal what was sent, and every invalid message is in the DLQ.
 * Prints a table of sent / counted / dead-lettered / lost / doubled per scenario.
 *
 * <p>Runs in the integration-test phase of every {@code ./mvnw verify} at 1,000 messages per scenario with 10 s outages;
 * {@code ./mvnw -Preliability verify} runs only this suite at 20,000 messages with 30 s outages. Sizes:
 * {@code -Dreliability.messages}, {@code -Dreliability.outage-seconds}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LedgerReliabilityIT {

    private static final int MESSAGES = Integer.getInteger("reliability.messages", 20_000);
    /** How long the DynamoDB and Postgres outages last; each starts on progress (a third of the messages counted). */
    private static final int OUTAGE_SECONDS = Integer.getInteger("reliability.outage-seconds", 30);

    private static final int ENTITLEMENTS = 100;
    private static final List<String> TABLE = new ArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Logs and data of the scenario's processes, kept for a look after a failure: {@code target/reliability/}. */
    private Path work;

    private final Random random = new Random(2026_11_28);

    /** What a scenario sent and what it expects. */
    private static final class Ledgered {
        /** Amount of valid message {@code i}. */
        final List<Integer> amounts = new ArrayList<>();

        long validUnits;
        long invalidMessages;
        long messages;
    }

    @BeforeEach
    void workDirectory(TestInfo test) throws Exception {
        work = Path.of(
                "target", "reliability", test.getTestMethod().orElseThrow().getName());
        if (Files.exists(work)) {
            try (var old = Files.walk(work)) {
                old.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        }
        Files.createDirectories(work);
    }

    @AfterAll
    static void printTable() {
        String header = String.format(
                "%-26s %8s %8s %7s %9s %5s %8s",
                "scenario", "sent", "counted", "in DLQ", "redriven", "lost", "doubled");
        System.out.println("\nReliability suite (" + MESSAGES + " messages per scenario)\n" + header);
        TABLE.forEach(System.out::println);
    }

    // ---- scenarios ------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void crashes_kill_9_five_times_lose_and_double_nothing() throws Exception {
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (ServiceProcess service = new ServiceProcess(
                        database, TestDynamoDb.freePort(), work.resolve("crash.log"), "ledger.environment=rcrash")
                .start()) {
            grant(service, "crash");
            Ledgered sent = new Ledgered();
            CompletableFuture<Void> producer =
                    CompletableFuture.runAsync(() -> send("rcrash", "crash", MESSAGES, 0, 0, sent));
            // each kill comes while the worker is busy: at a random point of the k-th seventh of the run, whatever the
            // size of the run and the speed of the machine
            for (int kill = 0; kill < 5; kill++) {
                long target = (long) (MESSAGES * (kill + 1 + random.nextDouble()) / 7);
                awaitCounted(database, target);
                service.kill();
                service.start();
            }
            producer.join();
            reconcile(
                    "crashes (kill -9 x5)", database, service, "rcrash", "crash", sent, TestDynamoDb.endpoint(), true);
        }
    }

    @Test
    @Order(2)
    void two_workers_on_one_queue_and_database_count_everything_once() throws Exception {
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (ServiceProcess first = new ServiceProcess(
                                database, TestDynamoDb.freePort(), work.resolve("w1.log"), "ledger.environment=rtwo")
                        .start();
                ServiceProcess second = new ServiceProcess(
                                database, TestDynamoDb.freePort(), work.resolve("w2.log"), "ledger.environment=rtwo")
                        .start()) {
            grant(first, "two");
            Ledgered sent = new Ledgered();
            send("rtwo", "two", MESSAGES, 0, 0, sent);
            reconcile("two workers", database, first, "rtwo", "two", sent);
            // the workers take turns on an entitlement (ADR 0015) instead of colliding: no append was rolled back
            // after taking a global index, so the index has no gaps for the processors' tokens to carry
            try (Connection connection = database.connect();
                    Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT max(global_index) - min(global_index) + 1 - count(*) "
                            + "FROM domain_event_entry")) {
                rs.next();
                assertThat(rs.getLong(1)).as("gaps in the global index").isZero();
            }
        }
    }

    @Test
    @Order(3)
    void garbage_mixed_with_valid_usage_ends_in_the_dlq_and_the_worker_stays_healthy() throws Exception {
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (ServiceProcess service = new ServiceProcess(
                        database, TestDynamoDb.freePort(), work.resolve("garbage.log"), "ledger.environment=rgarbage")
                .start()) {
            grant(service, "garbage");
            Ledgered sent = new Ledgered();
            send("rgarbage", "garbage", MESSAGES, Math.min(10_000, MESSAGES / 2), 0, sent);
            reconcile("garbage (invalid mixed)", database, service, "rgarbage", "garbage", sent);
            assertThat(health(service)).isEqualTo("UP");
        }
    }

    @Test
    @Order(4)
    void every_message_sent_twice_is_counted_once() throws Exception {
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (ServiceProcess service = new ServiceProcess(
                        database, TestDynamoDb.freePort(), work.resolve("dups.log"), "ledger.environment=rdups")
                .start()) {
            grant(service, "dups");
            Ledgered sent = new Ledgered();
            send("rdups", "dups", MESSAGES, 0, MESSAGES, sent);
            reconcile("duplicates (each x2)", database, service, "rdups", "dups", sent);
        }
    }

    @Test
    @Order(5)
    void dynamodb_down_for_an_outage_loses_nothing_and_a_rebuild_restores_the_table() throws Exception {
        int dynamoPort = TestDynamoDb.freePort();
        // in memory, as in the local run: a restart comes back without the table and its items
        LocalDynamoDb dynamo = TestDynamoDb.start(dynamoPort, null);
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (ServiceProcess service = new ServiceProcess(
                        database,
                        TestDynamoDb.freePort(),
                        work.resolve("ddb.log"),
                        "ledger.environment=rddb",
                        "spring.cloud.aws.dynamodb.endpoint=http://127.0.0.1:" + dynamoPort,
                        "ledger.local.dynamodb-enabled=false")
                .start()) {
            grant(service, "ddb");
            Ledgered sent = new Ledgered();
            CompletableFuture<Void> producer =
                    CompletableFuture.runAsync(() -> send("rddb", "ddb", MESSAGES, 0, 0, sent));
            awaitAThirdCounted(database);
            dynamo.close();
            Thread.sleep(OUTAGE_SECONDS * 1_000L);
            dynamo = TestDynamoDb.start(dynamoPort, null);
            // usage keeps being recorded; the projection retries its writes into the missing table (health DEGRADED)
            producer.join();
            // what the runbook says to do when the table was lost: rebuild it (the reset creates it, locally)
            HttpResponse<String> rebuild = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            service.baseUrl() + "/api/v1/admin/projections/dynamodb/rebuild"))
                                    .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                                    .POST(HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(rebuild.statusCode()).as(rebuild.body()).isBetween(200, 299);
            reconcile(
                    "DynamoDB down " + OUTAGE_SECONDS + " s",
                    database,
                    service,
                    "rddb",
                    "ddb",
                    sent,
                    "http://127.0.0.1:" + dynamoPort,
                    false);
            assertThat(health(service)).isEqualTo("UP");
        } finally {
            dynamo.close();
        }
    }

    @Test
    @Order(6)
    void postgres_down_for_an_outage_loses_nothing() throws Exception {
        int pgPort = TestDynamoDb.freePort();
        Path pgData = Files.createDirectories(work.resolve("postgres"));
        EmbeddedPostgres postgres = startPostgres(pgData, pgPort);
        try (Connection admin = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE ledger");
        }
        TestDatabase.Database database =
                new TestDatabase.Database("jdbc:postgresql://localhost:" + pgPort + "/ledger", "postgres", "");
        try (ServiceProcess service = new ServiceProcess(
                        database, TestDynamoDb.freePort(), work.resolve("pg.log"), "ledger.environment=rpg")
                .start()) {
            grant(service, "pg");
            Ledgered sent = new Ledgered();
            CompletableFuture<Void> producer =
                    CompletableFuture.runAsync(() -> send("rpg", "pg", MESSAGES, 0, 0, sent));
            awaitAThirdCounted(database);
            postgres.close();
            Thread.sleep(OUTAGE_SECONDS * 1_000L);
            postgres = startPostgres(pgData, pgPort);
            producer.join();
            reconcile("Postgres down " + OUTAGE_SECONDS + " s", database, service, "rpg", "pg", sent);
        } finally {
            postgres.close();
        }
    }

    /**
     * Starts an outage on progress rather than at a fixed time: once a third of the messages are counted, and while
     * messages are still flowing (fewer than all counted), so that the outage hits a busy worker at any size.
     */
    private static void awaitAThirdCounted(TestDatabase.Database database) throws Exception {
        awaitCounted(database, MESSAGES / 3);
        long counted = usageCounted(database);
        assertThat(counted).as("messages still flowing when the outage begins").isLessThan(MESSAGES);
        System.out.printf("outage begins with %d of %d messages counted%n", counted, MESSAGES);
    }

    // ---- traffic ----------------------------------------------------------------------------------------------------

    private static EmbeddedPostgres startPostgres(Path data, int port) throws Exception {
        return EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setPort(port)
                .start();
    }

    private void grant(ServiceProcess service, String prefix) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < ENTITLEMENTS; i++) {
            String body = "{\"userId\":\"" + prefix + "-" + i + "\",\"entitlementKey\":\"REL\","
                    + "\"usage\":{\"limit\":1000000000,\"period\":\"NONE\"}}";
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(service.baseUrl() + "/api/v1/entitlements"))
                            .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        }
    }

    /**
     * Sends {@code valid} valid messages (amount 1..3, a third with an idempotencyKey), {@code invalid} invalid ones,
     * and, when {@code duplicates > 0}, every valid message (then all with an idempotencyKey) a second time: half with
     * the same body, half with a different body and the same key.
     */
    private void send(String environment, String prefix, int valid, int invalid, int duplicates, Ledgered sent) {
        try (SqsClient sqs = SqsClient.builder()
                .endpointOverride(URI.create(TestSqs.endpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            String queue = sqs.getQueueUrl(r -> r.queueName("ledger-" + environment + "-usage-event-queue"))
                    .queueUrl();
            List<String> bodies = new ArrayList<>();
            Random messages = new Random(valid * 31L + invalid);
            for (int i = 0; i < valid; i++) {
                int amount = 1 + messages.nextInt(3);
                // a duplicate is only recognisable by its idempotencyKey: the copy is another SQS message
                String key = i % 3 == 0 || duplicates > 0 ? ",\"idempotencyKey\":\"" + prefix + "-k" + i + "\"" : "";
                String body = "{\"userId\":\"" + prefix + "-" + (i % ENTITLEMENTS) + "\",\"entitlementKey\":\"REL\","
                        + "\"amount\":" + amount + key + ",\"metadata\":{\"i\":" + i + "}}";
                bodies.add(body);
                sent.validUnits += amount;
                sent.amounts.add(amount);
                if (duplicates > 0) {
                    // half the copies are the same body, half a different body with the same idempotencyKey
                    bodies.add(
                            i % 2 == 0 ? body : body.replace("{\"i\":" + i + "}", "{\"i\":" + i + ",\"copy\":true}"));
                }
            }
            String[] garbage = {
                "not json",
                "[1,2]",
                "{\"userId\":\"x\"}",
                "{\"userId\":\"" + prefix + "-1\",\"entitlementKey\":\"REL\",\"amount\":0}",
                "{\"entitlementKey\":\"REL\"}",
                "",
                "{\"userId\":\"" + prefix + "-1\",\"entitlementKey\":\"REL\",\"amount\":2.5}"
            };
            for (int i = 0; i < invalid; i++) {
                String body = garbage[i % garbage.length];
                bodies.add(body.isEmpty() ? " " : body);
                sent.invalidMessages++;
            }
            sent.messages += bodies.size();
            Collections.shuffle(bodies, messages);
            for (int i = 0; i < bodies.size(); i += 10) {
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int j = i; j < Math.min(i + 10, bodies.size()); j++) {
                    entries.add(SendMessageBatchRequestEntry.builder()
                            .id("m" + j)
                            .messageBody(bodies.get(j))
                            .build());
                }
                var response = sqs.sendMessageBatch(r -> r.queueUrl(queue).entries(entries));
                if (!response.failed().isEmpty()) {
                    throw new IllegalStateException("send failed: " + response.failed());
                }
            }
        }
    }

    // ---- reconciliation ---------------------------------------------------------------------------------------------

    private void reconcile(
            String scenario,
            TestDatabase.Database database,
            ServiceProcess service,
            String environment,
            String prefix,
            Ledgered sent)
            throws Exception {
        reconcile(scenario, database, service, environment, prefix, sent, TestDynamoDb.endpoint(), false);
    }

    /**
     * Accounts for every message sent, one by one (valid message {@code i} carries {@code "metadata":{"i":i}}): each
     * valid message is counted exactly once, or waits in the DLQ with a reason; every invalid one is in the DLQ with
     * its reason. A valid message can reach the DLQ only where {@code deadLettersExpected} (workers killed while
     * holding it: SQS's redrive policy moves it, adr/0013); it must then be listed with the reason
     * {@code RECEIVE_COUNT_EXCEEDED}, and the operator's redrive is done and must count it once. Finally the units in
     * the event store, in {@code usage_history} and in the DynamoDB items all equal the units sent.
     */
    private void reconcile(
            String scenario,
            TestDatabase.Database database,
            ServiceProcess service,
            String environment,
            String prefix,
            Ledgered sent,
            String dynamoEndpoint,
            boolean deadLettersExpected)
            throws Exception {
        try (SqsClient sqs = SqsClient.builder()
                .endpointOverride(URI.create(TestSqs.endpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            String queue = sqs.getQueueUrl(r -> r.queueName("ledger-" + environment + "-usage-event-queue"))
                    .queueUrl();
            String dlq = sqs.getQueueUrl(r -> r.queueName("ledger-" + environment + "-usage-event-dlq"))
                    .queueUrl();
            awaitDrained(sqs, queue);
            awaitProjectionsCaughtUp(service);

            // the DLQ, message by message: invalid ones must carry the worker's reason; valid ones are set aside
            List<Message> invalidLetters = new ArrayList<>();
            List<Message> validLetters = new ArrayList<>();
            Map<Integer, Integer> deadLettered = new HashMap<>();
            for (Message letter : receiveAll(sqs, dlq)) {
                Integer i = validIndex(letter.body());
                if (i == null) {
                    invalidLetters.add(letter);
                } else {
                    validLetters.add(letter);
                    deadLettered.merge(i, 1, Integer::sum);
                }
            }
            List<String> withoutReason = invalidLetters.stream()
                    .filter(letter -> !letter.messageAttributes().containsKey("ledger-reason-code"))
                    .map(Message::body)
                    .toList();

            Map<Integer, Long> counted = countedByIndex(database);
            long lost = 0;
            long doubled = 0;
            for (int i = 0; i < sent.amounts.size(); i++) {
                long times = counted.getOrDefault(i, 0L);
                if (times == 0 && !deadLettered.containsKey(i)) {
                    lost++;
                }
                if (times > 1) {
                    doubled++;
                }
            }
            int redriven = validLetters.size();
            int row = TABLE.size();
            TABLE.add(row(scenario, sent, counted, invalidLetters.size() + redriven, redriven, lost, doubled));
            String logs = "logs in " + work.toAbsolutePath();
            assertThat(lost)
                    .as("valid messages neither counted nor in the DLQ; " + logs)
                    .isZero();
            assertThat(doubled)
                    .as("valid messages counted more than once; " + logs)
                    .isZero();
            assertThat(counted.keySet())
                    .as("counted events that are not valid messages sent")
                    .allMatch(i -> i >= 0 && i < sent.amounts.size());
            assertThat(invalidLetters).as("invalid messages in the DLQ").hasSize((int) sent.invalidMessages);
            assertThat(withoutReason)
                    .as("invalid messages in the DLQ without ledger-reason-code")
                    .isEmpty();
            if (!deadLettersExpected) {
                assertThat(validLetters)
                        .as(() -> "valid messages in the DLQ; " + logs + "; " + describe(validLetters))
                        .isEmpty();
            }

            if (!validLetters.isEmpty()) {
                redriveValidLetters(sqs, dlq, service, invalidLetters, validLetters, counted);
                awaitDrained(sqs, queue);
                awaitProjectionsCaughtUp(service);
                counted = countedByIndex(database);
            }
            TABLE.set(row, row(scenario, sent, counted, invalidLetters.size() + redriven, redriven, lost, doubled));
            assertThat(counted.values())
                    .as("after any redrive, every valid message is counted exactly once")
                    .hasSize(sent.amounts.size())
                    .containsOnly(1L);
            assertUnits(database, environment, prefix, sent, dynamoEndpoint);
        }
    }

    /** A line of the table; counted: valid messages counted at least once. */
    private static String row(
            String scenario,
            Ledgered sent,
            Map<Integer, Long> counted,
            int deadLettered,
            int redriven,
            long lost,
            long doubled) {
        return String.format(
                "%-26s %8d %8d %7d %9d %5d %8d",
                scenario,
                sent.messages,
                counted.values().stream().filter(times -> times > 0).count(),
                deadLettered,
                redriven,
                lost,
                doubled);
    }

    /**
     * What an operator does with valid messages in the DLQ: reads why they are there (the admin listing), then
     * redrives them. The invalid ones, already accounted for, are deleted first, so that the listing shows the rest.
     */
    private static void redriveValidLetters(
            SqsClient sqs,
            String dlq,
            ServiceProcess service,
            List<Message> invalidLetters,
            List<Message> validLetters,
            Map<Integer, Long> counted)
            throws Exception {
        for (Message letter : invalidLetters) {
            sqs.deleteMessage(r -> r.queueUrl(dlq).receiptHandle(letter.receiptHandle()));
        }
        for (Message letter : validLetters) {
            sqs.changeMessageVisibility(
                    r -> r.queueUrl(dlq).receiptHandle(letter.receiptHandle()).visibilityTimeout(0));
        }
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> listing = http.send(
                HttpRequest.newBuilder(URI.create(service.baseUrl() + "/api/v1/admin/dead-letters?limit=1000"))
                        .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(listing.statusCode()).as(listing.body()).isEqualTo(200);
        JsonNode letters = JSON.readTree(listing.body()).get("messages");
        assertThat(letters).as(listing.body()).hasSize(validLetters.size());
        for (JsonNode letter : letters) {
            int i = validIndex(letter.get("body").asText());
            assertThat(letter.get("reasonCode").asText()).as(letter.toString()).isEqualTo("RECEIVE_COUNT_EXCEEDED");
            assertThat(letter.get("counted").asBoolean())
                    .as("the listing says whether it was counted: " + letter)
                    .isEqualTo(counted.getOrDefault(i, 0L) > 0);
        }
        HttpResponse<String> redrive = http.send(
                HttpRequest.newBuilder(URI.create(service.baseUrl() + "/api/v1/admin/dead-letters/redrive"))
                        .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(redrive.statusCode()).as(redrive.body()).isEqualTo(200);
        assertThat(JSON.readTree(redrive.body()).get("moved").asInt())
                .as(redrive.body())
                .isEqualTo(validLetters.size());
    }

    private static void assertUnits(
            TestDatabase.Database database, String environment, String prefix, Ledgered sent, String dynamoEndpoint)
            throws Exception {
        long events;
        long history;
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery("SELECT coalesce(sum((convert_from(payload, 'UTF8')::jsonb "
                    + "->> 'amount')::bigint), 0) FROM domain_event_entry "
                    + "WHERE payload_type = 'dev.ledger.entitlement.UsageConsumed'")) {
                rs.next();
                events = rs.getLong(1);
            }
            try (ResultSet rs = statement.executeQuery(
                    "SELECT coalesce(sum(amount), 0) FROM usage_history " + "WHERE event_type = 'UsageConsumed'")) {
                rs.next();
                history = rs.getLong(1);
            }
        }
        long table = 0;
        try (DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(URI.create(dynamoEndpoint))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            for (int i = 0; i < ENTITLEMENTS; i++) {
                String userId = prefix + "-" + i;
                Map<String, AttributeValue> item = dynamo.getItem(
                                r -> r.tableName("ledger-" + environment + "-entitlements")
                                        .key(Map.of(
                                                "userId",
                                                AttributeValue.fromS(userId),
                                                "entitlementKey",
                                                AttributeValue.fromS("REL")))
                                        .consistentRead(true))
                        .item();
                table += Long.parseLong(item.get("usageCount").n());
            }
        }
        assertThat(events).as("units in the event store").isEqualTo(sent.validUnits);
        assertThat(history).as("units in usage_history").isEqualTo(sent.validUnits);
        assertThat(table).as("units in the DynamoDB items").isEqualTo(sent.validUnits);
    }

    /** How many {@code UsageConsumed} events each valid message {@code i} produced. */
    private static Map<Integer, Long> countedByIndex(TestDatabase.Database database) throws Exception {
        Map<Integer, Long> counted = new HashMap<>();
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet rs =
                        statement.executeQuery("SELECT (convert_from(payload, 'UTF8')::jsonb #>> '{metadata,i}')::int, "
                                + "count(*) FROM domain_event_entry WHERE payload_type = 'dev.ledger.entitlement.UsageConsumed' "
                                + "GROUP BY 1")) {
            while (rs.next()) {
                counted.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return counted;
    }

    /** The index {@code i} of a valid message sent by {@link #send}, or {@code null} for anything else. */
    private static Integer validIndex(String body) {
        try {
            JsonNode i = JSON.readTree(body).path("metadata").path("i");
            return i.isInt() ? i.asInt() : null;
        } catch (Exception notJson) {
            return null;
        }
    }

    /** Waits until at least {@code events} usage messages are counted. */
    private static void awaitCounted(TestDatabase.Database database, long events) {
        await().atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> usageCounted(database) >= events);
    }

    private static long usageCounted(TestDatabase.Database database) throws Exception {
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT count(*) FROM domain_event_entry "
                        + "WHERE payload_type = 'dev.ledger.entitlement.UsageConsumed'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void awaitDrained(SqsClient sqs, String queue) {
        await().atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queue)
                                    .attributeNames(
                                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                            .attributes();
                    return attributes.values().stream().allMatch("0"::equals);
                });
    }

    /** Every message in {@code queue}, each received once (they stay invisible for 5 minutes). */
    private static List<Message> receiveAll(SqsClient sqs, String queue) {
        List<Message> all = new ArrayList<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(queue)
                            .maxNumberOfMessages(10)
                            .visibilityTimeout(300)
                            .waitTimeSeconds(0)
                            .messageAttributeNames("All")
                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                    .messages();
            if (batch.isEmpty()) {
                return all;
            }
            all.addAll(batch);
        }
    }

    private static String describe(List<Message> letters) {
        StringBuilder text = new StringBuilder("DLQ:");
        letters.stream()
                .limit(20)
                .forEach(message -> text.append("\n  ")
                        .append(message.body())
                        .append(" attributes=")
                        .append(message.messageAttributes().entrySet().stream()
                                .map(e -> e.getKey() + "=" + e.getValue().stringValue())
                                .toList())
                        .append(" system=")
                        .append(message.attributesAsStrings()));
        return text.toString();
    }

    private static void awaitProjectionsCaughtUp(ServiceProcess service) {
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    HttpResponse<String> response = http.send(
                            HttpRequest.newBuilder(URI.create(service.baseUrl() + "/api/v1/admin/projections"))
                                    .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200) {
                        return false;
                    }
                    JsonNode projections = JSON.readTree(response.body()).get("projections");
                    for (JsonNode projection : projections) {
                        if (projection.get("lagEvents").asLong() != 0
                                || projection.get("replaying").asBoolean()) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    private static String health(ServiceProcess service) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(service.baseUrl() + "/actuator/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body()).get("status").asText();
    }
}
