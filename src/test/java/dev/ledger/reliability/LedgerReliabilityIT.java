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
import java.sql.PreparedStatement;
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
 * The fault-injection suite. Every scenario runs on the same two service processes ({@link Workers}: separate JVMs on one
 * queue, one Postgres and one dynalite, all three the suite's own), injects a fault while usage flows, and ends with an
 * exact reconciliation of its own messages (its user ids and the events after it began): every valid message counted
 * exactly once, every invalid one in the DLQ with its reason, and the units in the event store, in {@code usage_history}
 * and in the DynamoDB items all equal to what was sent. Prints a table of sent / counted / dead-lettered / lost /
 * doubled per scenario.
 *
 * <p>Runs in the integration-test phase of every {@code ./mvnw verify} at 1,000 messages per scenario, 10 s outages and
 * 2 kills; {@code ./mvnw -Preliability verify} runs only this suite at 20,000 messages, 30 s outages and 5 kills. Sizes:
 * {@code -Dreliability.messages}, {@code -Dreliability.outage-seconds}, {@code -Dreliability.kills}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LedgerReliabilityIT {

    private static final int MESSAGES = Integer.getInteger("reliability.messages", 20_000);
    /** How long the DynamoDB and Postgres outages last; each starts on progress (a third of the messages counted). */
    private static final int OUTAGE_SECONDS = Integer.getInteger("reliability.outage-seconds", 30);
    /** How many times the crashes scenario kills a worker; each kill is followed by a restart. */
    private static final int KILLS = Integer.getInteger("reliability.kills", 5);

    private static final int ENTITLEMENTS = 100;
    private static final List<String> TABLE = new ArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Started by the first scenario that runs, stopped after the last. */
    private static Workers workers;

    private final Random random = new Random(2026_11_28);

    /** The running scenario: its name, and when it began (for the progress lines in the test output). */
    private String scenario;

    private long began;

    /** The last global index before the scenario began: its events are the ones after it. */
    private long since;

    /** What a scenario sent and what it expects. */
    private static final class Ledgered {
        /** Amount of valid message {@code i}. */
        final List<Integer> amounts = new ArrayList<>();

        long validUnits;
        long invalidMessages;
        long messages;
    }

    /**
     * Each scenario starts on running workers with an empty queue and DLQ (whatever a failed scenario before it left
     * there is purged), and marks its beginning in the workers' logs.
     */
    @BeforeEach
    void begin(TestInfo test) throws Exception {
        scenario = test.getTestMethod().orElseThrow().getName();
        began = System.nanoTime();
        if (workers == null) {
            workers = Workers.start();
            progress("workers started");
        }
        workers.awaitStarted();
        try (SqsClient sqs = sqs()) {
            sqs.purgeQueue(r -> r.queueUrl(queueUrl(sqs, Workers.QUEUE)));
            sqs.purgeQueue(r -> r.queueUrl(queueUrl(sqs, Workers.DLQ)));
        }
        since = lastGlobalIndex();
        workers.note("scenario " + scenario + " begins (events after global index " + since + ")");
    }

    /** A line of progress in the test output, with the seconds since the scenario began. */
    private void progress(String what) {
        System.out.printf("%s +%.1f s: %s%n", scenario, (System.nanoTime() - began) / 1e9, what);
    }

    @AfterAll
    static void stopWorkersAndPrintTable() throws Exception {
        String header = String.format(
                "%-26s %8s %8s %7s %9s %5s %8s",
                "scenario", "sent", "counted", "in DLQ", "redriven", "lost", "doubled");
        System.out.println("\nReliability suite (" + MESSAGES + " messages per scenario)\n" + header);
        TABLE.forEach(System.out::println);
        if (workers != null) {
            workers.close();
            workers = null;
        }
    }

    // ---- scenarios ------------------------------------------------------------------------------------------------

    /**
     * Kills the two workers in turn with SIGKILL while they are busy, and starts each again at once. The first kill
     * leaves the other worker to take over what the dead one held. The next kill does not wait for the restart: at
     * 1,000 messages it comes while the first worker is still starting, so for a while no worker runs and a restarted
     * one takes the messages from a backlog. Both cases need at least two kills.
     */
    @Test
    @Order(1)
    void crashes_kill_9_repeatedly_lose_and_double_nothing() throws Exception {
        grant("crash");
        Ledgered sent = new Ledgered();
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> send("crash", MESSAGES, 0, 0, sent));
        // each kill comes while a worker is busy: at a random point of the k-th of KILLS + 2 equal parts of the run
        // (sevenths for 5 kills), whatever the size of the run and the speed of the machine
        for (int kill = 0; kill < KILLS; kill++) {
            ServiceProcess victim = workers.process(kill % 2);
            victim.awaitStarted();
            long target = (long) (MESSAGES * (kill + 1 + random.nextDouble()) / (KILLS + 2));
            awaitCounted("crash", target);
            long counted = usageCounted("crash");
            assertThat(counted)
                    .as("messages still flowing when a worker is killed")
                    .isLessThan(MESSAGES);
            victim.kill();
            progress("kill -9 of " + victim + " with " + counted + " counted");
            victim.launch();
        }
        producer.join();
        workers.awaitStarted();
        progress("workers restarted");
        reconcile("crashes (kill -9 x" + KILLS + ")", "crash", sent, true);
    }

    @Test
    @Order(2)
    void two_workers_on_one_queue_and_database_count_everything_once() throws Exception {
        grant("two");
        Ledgered sent = new Ledgered();
        send("two", MESSAGES, 0, 0, sent);
        reconcile("two workers", "two", sent, false);
        // the workers take turns on an entitlement (ADR 0015) instead of colliding: no append was rolled back
        // after taking a global index, so the index has no gaps for the processors' tokens to carry
        try (Connection connection = workers.database.connect();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT max(global_index) - min(global_index) + 1 - count(*) FROM domain_event_entry "
                                + "WHERE global_index > ?")) {
            statement.setLong(1, since);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("gaps in the global index").isZero();
            }
        }
    }

    @Test
    @Order(3)
    void garbage_mixed_with_valid_usage_ends_in_the_dlq_and_the_workers_stay_healthy() throws Exception {
        grant("garbage");
        Ledgered sent = new Ledgered();
        send("garbage", MESSAGES, Math.min(10_000, MESSAGES / 2), 0, sent);
        reconcile("garbage (invalid mixed)", "garbage", sent, false);
        assertHealth("UP");
    }

    @Test
    @Order(4)
    void every_message_sent_twice_is_counted_once() throws Exception {
        grant("dups");
        Ledgered sent = new Ledgered();
        send("dups", MESSAGES, 0, MESSAGES, sent);
        reconcile("duplicates (each x2)", "dups", sent, false);
    }

    @Test
    @Order(5)
    void dynamodb_down_for_an_outage_loses_nothing_and_a_rebuild_restores_the_table() throws Exception {
        grant("ddb");
        // in memory, as in the local run: it comes back without the table and its items; meanwhile usage keeps being
        // recorded and the projection retries its writes into the missing table (health DEGRADED)
        Ledgered sent = sendThroughAnOutage("ddb", "DynamoDB", workers::stopDynamoDb, workers::startDynamoDb);
        // what the runbook says to do when the table was lost: rebuild it (the reset creates it, locally)
        HttpResponse<String> rebuild = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        workers.process(0).baseUrl() + "/api/v1/admin/projections/dynamodb/rebuild"))
                                .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(rebuild.statusCode()).as(rebuild.body()).isBetween(200, 299);
        reconcile("DynamoDB down " + OUTAGE_SECONDS + " s", "ddb", sent, false);
        assertHealth("UP");
    }

    @Test
    @Order(6)
    void postgres_down_for_an_outage_loses_nothing() throws Exception {
        grant("pg");
        Ledgered sent = sendThroughAnOutage("pg", "Postgres", workers::stopPostgres, workers::startPostgres);
        reconcile("Postgres down " + OUTAGE_SECONDS + " s", "pg", sent, false);
    }

    /** Stopping or starting a dependency of the workers. */
    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /**
     * Sends the scenario's messages and, while they flow, stops {@code dependency} for the outage and starts it again;
     * returns what was sent once every message is on the queue.
     */
    private Ledgered sendThroughAnOutage(String prefix, String dependency, Step stop, Step start) throws Exception {
        Ledgered sent = new Ledgered();
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> send(prefix, MESSAGES, 0, 0, sent));
        awaitAThirdCounted(prefix);
        stop.run();
        Thread.sleep(OUTAGE_SECONDS * 1_000L);
        start.run();
        progress(dependency + " back");
        producer.join();
        return sent;
    }

    /**
     * Starts an outage on progress rather than at a fixed time: once a third of the messages are counted, and while
     * messages are still flowing (fewer than all counted), so that the outage hits busy workers at any size.
     */
    private void awaitAThirdCounted(String prefix) throws Exception {
        awaitCounted(prefix, MESSAGES / 3);
        long counted = usageCounted(prefix);
        assertThat(counted).as("messages still flowing when the outage begins").isLessThan(MESSAGES);
        progress("outage begins with " + counted + " of " + MESSAGES + " messages counted");
    }

    private static void assertHealth(String status) throws Exception {
        for (ServiceProcess process : workers.processes) {
            assertThat(health(process)).as(process.toString()).isEqualTo(status);
        }
    }

    // ---- the workers ------------------------------------------------------------------------------------------------

    /**
     * Two service processes on one queue, one database and one DynamoDB table, shared by every scenario. The Postgres
     * and the dynalite are the suite's own, so that the outage scenarios can stop them. Logs and data are kept in
     * {@code target/reliability/} for a look after a failure, with a line where each scenario begins and each kill.
     */
    private static final class Workers implements AutoCloseable {

        static final String ENVIRONMENT = "rworkers";
        static final String QUEUE = "ledger-" + ENVIRONMENT + "-usage-event-queue";
        static final String DLQ = "ledger-" + ENVIRONMENT + "-usage-event-dlq";
        static final String TABLE_NAME = "ledger-" + ENVIRONMENT + "-entitlements";

        final Path work = Path.of("target", "reliability");
        final int postgresPort = TestDynamoDb.freePort();
        final int dynamoPort = TestDynamoDb.freePort();
        final String dynamoEndpoint = "http://127.0.0.1:" + dynamoPort;
        final TestDatabase.Database database =
                new TestDatabase.Database("jdbc:postgresql://localhost:" + postgresPort + "/ledger", "postgres", "");
        final List<ServiceProcess> processes = new ArrayList<>();
        EmbeddedPostgres postgres;
        LocalDynamoDb dynamo;

        static Workers start() throws Exception {
            Workers workers = new Workers();
            workers.begin();
            return workers;
        }

        private void begin() throws Exception {
            if (Files.exists(work)) {
                try (var old = Files.walk(work)) {
                    old.sorted(Comparator.reverseOrder())
                            .forEach(path -> path.toFile().delete());
                }
            }
            Files.createDirectories(work.resolve("postgres"));
            startPostgres();
            try (Connection admin = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
                    Statement statement = admin.createStatement()) {
                statement.execute("CREATE DATABASE ledger");
            }
            startDynamoDb();
            // one after the other: two instances starting at once on an empty database both initialize the event
            // processors' tokens, and the second stops on the duplicate key (Axon's Coordinator.initializeTokenStore)
            for (int i = 1; i <= 2; i++) {
                processes.add(new ServiceProcess(
                                database,
                                TestDynamoDb.freePort(),
                                work.resolve("w" + i + ".log"),
                                "ledger.environment=" + ENVIRONMENT,
                                "spring.cloud.aws.dynamodb.endpoint=" + dynamoEndpoint,
                                "ledger.local.dynamodb-enabled=false")
                        .start());
            }
        }

        ServiceProcess process(int i) {
            return processes.get(i);
        }

        void awaitStarted() {
            processes.forEach(ServiceProcess::awaitStarted);
        }

        void note(String line) throws Exception {
            for (ServiceProcess process : processes) {
                process.note(line);
            }
        }

        void startPostgres() throws Exception {
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(work.resolve("postgres"))
                    .setCleanDataDirectory(false)
                    .setPort(postgresPort)
                    .setServerConfig("fsync", "off")
                    .start();
        }

        void stopPostgres() throws Exception {
            postgres.close();
        }

        /** In memory, as in the local run: a restart comes back without the table and its items. */
        void startDynamoDb() {
            dynamo = TestDynamoDb.start(dynamoPort, null);
        }

        void stopDynamoDb() {
            dynamo.close();
        }

        @Override
        public void close() throws Exception {
            for (ServiceProcess process : processes) {
                process.close();
            }
            dynamo.close();
            postgres.close();
        }
    }

    // ---- traffic ----------------------------------------------------------------------------------------------------

    /** Grants the scenario's entitlements, ten requests at a time. */
    private void grant(String prefix) {
        ServiceProcess service = workers.process(0);
        HttpClient http = HttpClient.newHttpClient();
        for (int first = 0; first < ENTITLEMENTS; first += 10) {
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = first; i < Math.min(first + 10, ENTITLEMENTS); i++) {
                String body = "{\"userId\":\"" + prefix + "-" + i + "\",\"entitlementKey\":\"REL\","
                        + "\"usage\":{\"limit\":1000000000,\"period\":\"NONE\"}}";
                responses.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create(service.baseUrl() + "/api/v1/entitlements"))
                                .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> response : responses) {
                assertThat(response.join().statusCode())
                        .as(response.join().body())
                        .isEqualTo(201);
            }
        }
        progress("granted " + ENTITLEMENTS + " entitlements");
    }

    /**
     * Sends {@code valid} valid messages (amount 1..3, a third with an idempotencyKey), {@code invalid} invalid ones,
     * and, when {@code duplicates > 0}, every valid message (then all with an idempotencyKey) a second time: half with
     * the same body, half with a different body and the same key.
     */
    private void send(String prefix, int valid, int invalid, int duplicates, Ledgered sent) {
        try (SqsClient sqs = sqs()) {
            String queue = queueUrl(sqs, Workers.QUEUE);
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
            progress("sent " + bodies.size() + " messages");
        }
    }

    // ---- reconciliation ---------------------------------------------------------------------------------------------

    /**
     * Accounts for every message the scenario sent, one by one (its user ids begin with {@code prefix}; valid message
     * {@code i} carries {@code "metadata":{"i":i}}): each
     * valid message is counted exactly once, or waits in the DLQ with a reason; every invalid one is in the DLQ with
     * its reason. A valid message can reach the DLQ only where {@code deadLettersExpected} (workers killed while
     * holding it: SQS's redrive policy moves it, adr/0013); it must then be listed with the reason
     * {@code RECEIVE_COUNT_EXCEEDED}, and the operator's redrive is done and must count it once. Finally the units in
     * the event store, in {@code usage_history} and in the DynamoDB items all equal the units sent.
     */
    private void reconcile(String label, String prefix, Ledgered sent, boolean deadLettersExpected) throws Exception {
        ServiceProcess service = workers.process(0);
        try (SqsClient sqs = sqs()) {
            String queue = queueUrl(sqs, Workers.QUEUE);
            String dlq = queueUrl(sqs, Workers.DLQ);
            awaitDrained(sqs, queue);
            progress("queue drained");
            awaitProjectionsCaughtUp(service);
            progress("projections caught up");

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

            Map<Integer, Long> counted = countedByIndex(prefix);
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
            TABLE.add(row(label, sent, counted, invalidLetters.size() + redriven, redriven, lost, doubled));
            String logs = "logs in " + workers.work.toAbsolutePath();
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
                counted = countedByIndex(prefix);
            }
            TABLE.set(row, row(label, sent, counted, invalidLetters.size() + redriven, redriven, lost, doubled));
            assertThat(counted.values())
                    .as("after any redrive, every valid message is counted exactly once")
                    .hasSize(sent.amounts.size())
                    .containsOnly(1L);
            assertUnits(prefix, sent);
            progress("reconciled");
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

    private void assertUnits(String prefix, Ledgered sent) throws Exception {
        long events = scenarioQuery(
                "SELECT coalesce(sum((convert_from(payload, 'UTF8')::jsonb ->> 'amount')::bigint), 0) "
                        + "FROM domain_event_entry WHERE " + USAGE_OF_THE_SCENARIO,
                prefix);
        long history = scenarioQuery(
                "SELECT coalesce(sum(amount), 0) FROM usage_history "
                        + "WHERE global_index > ? AND event_type = 'UsageConsumed' AND user_id LIKE ?",
                prefix);
        long table = 0;
        try (DynamoDbClient dynamo = dynamoDb(workers.dynamoEndpoint)) {
            for (int i = 0; i < ENTITLEMENTS; i++) {
                String userId = prefix + "-" + i;
                Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(Workers.TABLE_NAME)
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

    /** The scenario's usage events: after it began, on its entitlements (parameters: {@link #since}, the prefix). */
    private static final String USAGE_OF_THE_SCENARIO = "global_index > ? "
            + "AND payload_type = 'dev.ledger.entitlement.UsageConsumed' AND aggregate_identifier LIKE ?";

    /** A number from {@code sql}, whose parameters are {@link #since} and the scenario's user ids. */
    private long scenarioQuery(String sql, String prefix) throws Exception {
        try (Connection connection = workers.database.connect();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, since);
            statement.setString(2, prefix + "-%");
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** How many {@code UsageConsumed} events each valid message {@code i} of the scenario produced. */
    private Map<Integer, Long> countedByIndex(String prefix) throws Exception {
        Map<Integer, Long> counted = new HashMap<>();
        try (Connection connection = workers.database.connect();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT (convert_from(payload, 'UTF8')::jsonb #>> '{metadata,i}')::int, count(*) "
                                + "FROM domain_event_entry WHERE " + USAGE_OF_THE_SCENARIO + " GROUP BY 1")) {
            statement.setLong(1, since);
            statement.setString(2, prefix + "-%");
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    counted.put(rs.getInt(1), rs.getLong(2));
                }
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

    /** Waits until at least {@code events} usage messages of the scenario are counted. */
    private void awaitCounted(String prefix, long events) {
        await().atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> usageCounted(prefix) >= events);
    }

    private long usageCounted(String prefix) throws Exception {
        return scenarioQuery("SELECT count(*) FROM domain_event_entry WHERE " + USAGE_OF_THE_SCENARIO, prefix);
    }

    private static long lastGlobalIndex() throws Exception {
        try (Connection connection = workers.database.connect();
                Statement statement = connection.createStatement();
                ResultSet rs =
                        statement.executeQuery("SELECT coalesce(max(global_index), 0) FROM domain_event_entry")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static SqsClient sqs() {
        return SqsClient.builder()
                .endpointOverride(URI.create(TestSqs.endpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build();
    }

    private static String queueUrl(SqsClient sqs, String name) {
        return sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
    }

    private static DynamoDbClient dynamoDb(String endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build();
    }

    private static void awaitDrained(SqsClient sqs, String queue) {
        await().atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(200))
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
                .pollInterval(Duration.ofMillis(200))
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
