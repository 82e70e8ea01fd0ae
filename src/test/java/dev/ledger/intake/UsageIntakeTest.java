package dev.ledger.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.command.EntitlementStates;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.DeactivateEntitlement;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.support.IntegrationTest;
import io.awspring.cloud.sqs.listener.MessageListenerContainer;
import io.awspring.cloud.sqs.listener.MessageListenerContainerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** The worker against ElasticMQ and Postgres over the wire; nothing is mocked. */
@IntegrationTest
class UsageIntakeTest {

    private static final Duration SOON = Duration.ofSeconds(30);

    @Autowired
    SqsAsyncClient sqs;

    @Autowired
    Queues queues;

    @Autowired
    Ledger ledger;

    @Autowired
    EntitlementStates states;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    DeadLetterQueue deadLetters;

    @Autowired
    UsageIntake intake;

    @Autowired
    SqsSettings settings;

    @Autowired
    MeterRegistry meters;

    @Autowired
    MessageListenerContainerRegistry containers;

    @Autowired
    TestRestTemplate http;

    private SqsTestClient producer;

    @BeforeEach
    void setUp() {
        producer = new SqsTestClient(sqs, queues);
    }

    private EntitlementId grant(String userId, String key, UsagePolicy policy) {
        EntitlementId id = EntitlementId.of(userId, key);
        ledger.send(id, new GrantEntitlement(id, true, policy, Instant.now()), Map.of());
        return id;
    }

    private static UsagePolicy limit(long limit) {
        return new UsagePolicy(limit, Period.MONTHLY, null, OverLimit.REJECT);
    }

    private long used(EntitlementId id) {
        return states.find(id).orElseThrow().used();
    }

    private long events(EntitlementId id) {
        return jdbc.queryForObject(
                "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier = ?", Long.class, id.toString());
    }

    private double outcomes(String outcome) {
        return intake.count(Disposition.valueOf(outcome.toUpperCase()));
    }

    /** Every message of the usage queue deleted: counted, duplicate or moved to the DLQ. */
    private void awaitQueueDrained() {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> sqs
                        .getQueueAttributes(r -> r.queueUrl(queues.queueUrl())
                                .attributeNames(
                                        software.amazon.awssdk.services.sqs.model.QueueAttributeName
                                                .APPROXIMATE_NUMBER_OF_MESSAGES,
                                        software.amazon.awssdk.services.sqs.model.QueueAttributeName
                                                .APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                        .join()
                        .attributes()
                        .values()
                        .stream()
                        .allMatch("0"::equals));
    }

    private DeadLetterQueue.DeadLetter awaitDeadLetter(String messageId, Duration within) {
        return await().atMost(within)
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> deadLetters.list(1000).stream()
                                .filter(d -> d.originalMessageId().equals(messageId))
                                .findFirst(),
                        java.util.Optional::isPresent)
                .orElseThrow();
    }

    @Test
    void the_seed_single_send_is_counted() {
        EntitlementId id = grant("seed-user-123", "AI_TUTOR_ACCESS", limit(100));
        producer.send("""
                {"userId":"seed-user-123","entitlementKey":"AI_TUTOR_ACCESS","amount":1,"metadata":{"source":"api"}}""");
        await().atMost(SOON).until(() -> used(id) == 1);
    }

    @Test
    void the_seed_batch_send_is_counted() {
        EntitlementId a = grant("seed-u1", "KEY_A", limit(100));
        EntitlementId b = grant("seed-u2", "KEY_B", limit(100));
        producer.sendBatch(List.of(
                "{\"userId\":\"seed-u1\",\"entitlementKey\":\"KEY_A\",\"amount\":1}",
                "{\"userId\":\"seed-u2\",\"entitlementKey\":\"KEY_B\",\"amount\":2}"));
        await().atMost(SOON).until(() -> used(a) == 1 && used(b) == 2);
    }

    @Test
    void a_send_without_amount_counts_one() {
        EntitlementId id = grant("seed-no-amount", "AI_TUTOR_ACCESS", limit(100));
        producer.send("{\"userId\":\"seed-no-amount\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}");
        await().atMost(SOON).until(() -> used(id) == 1);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "not json at all                                                                 | MALFORMED_JSON",
                "[1,2]                                                                           | NOT_A_JSON_OBJECT",
                "{\"entitlementKey\":\"AI_TUTOR_ACCESS\"}                                        | MISSING_USER_ID",
                "{\"userId\":\"inv-user\"}                                                       | MISSING_ENTITLEMENT_KEY",
                "{\"userId\":\"inv-user\",\"entitlementKey\":\"bad-key\"}                        | INVALID_ENTITLEMENT_KEY",
                "{\"userId\":\"inv-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":2.5} | INVALID_AMOUNT",
                "{\"userId\":\"inv-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":0}   | INVALID_AMOUNT",
                "{\"userId\":\"inv-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":-1}  | INVALID_AMOUNT",
                "{\"userId\":\"inv-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":\"3\"} | INVALID_AMOUNT",
                "{\"userId\":\"inv-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":1e12} | INVALID_AMOUNT",
                "{\"userId\":\"inv-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"idempotencyKey\":\"\"} | INVALID_IDEMPOTENCY_KEY",
                "{\"userId\":\"inv-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"metadata\":{\"a\":[1]}} | INVALID_METADATA",
                "{\"userId\":\"inv-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"occurredAt\":\"2999-01-01T00:00:00Z\"} | OCCURRED_AT_IN_FUTURE",
            })
    void an_invalid_message_goes_to_the_dlq_at_once_with_its_reason_and_unchanged_body(String body, String code) {
        EntitlementId id = EntitlementId.of("inv-user", "AI_TUTOR_ACCESS");
        if (states.find(id).isEmpty()) {
            grant("inv-user", "AI_TUTOR_ACCESS", limit(1_000));
        }
        long before = events(id);
        String messageId = producer.send(body);
        DeadLetterQueue.DeadLetter letter = awaitDeadLetter(messageId, Duration.ofSeconds(10));
        assertThat(letter.reasonCode()).isEqualTo(code);
        assertThat(letter.reasonDetail()).isNotBlank();
        assertThat(letter.body()).isEqualTo(body);
        assertThat(letter.receiveCount()).isEqualTo(1);
        assertThat(events(id)).isEqualTo(before);
        assertThat(jdbc.queryForObject(
                        "SELECT reason_code FROM usage_rejection WHERE message_id = ?", String.class, messageId))
                .isEqualTo(code);
    }

    @Test
    void an_oversized_metadata_message_goes_to_the_dlq() {
        String body = "{\"userId\":\"inv-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"metadata\":{\"k\":\""
                + "x".repeat(5000) + "\"}}";
        String messageId = producer.send(body);
        assertThat(awaitDeadLetter(messageId, Duration.ofSeconds(10)).reasonCode())
                .isEqualTo("METADATA_TOO_LARGE");
    }

    @Test
    void every_business_rejection_ends_in_the_dlq_after_the_retries_with_its_reason_recorded() {
        grant("rej-inactive", "AI_TUTOR_ACCESS", limit(10));
        ledger.send(
                EntitlementId.of("rej-inactive", "AI_TUTOR_ACCESS"),
                new DeactivateEntitlement(EntitlementId.of("rej-inactive", "AI_TUTOR_ACCESS"), Instant.now()),
                Map.of());
        grant("rej-untracked", "ACCESS_DASHBOARD", null);
        grant("rej-full", "AI_TUTOR_ACCESS", limit(1));
        Map<String, String> expected = Map.of(
                producer.send("{\"userId\":\"rej-nobody\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}"),
                        "ENTITLEMENT_NOT_FOUND",
                producer.send("{\"userId\":\"rej-inactive\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}"),
                        "ENTITLEMENT_INACTIVE",
                producer.send("{\"userId\":\"rej-untracked\",\"entitlementKey\":\"ACCESS_DASHBOARD\"}"),
                        "NO_USAGE_TRACKING",
                producer.send("{\"userId\":\"rej-full\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":2}"),
                        "LIMIT_EXCEEDED");

        expected.forEach((messageId, code) -> {
            DeadLetterQueue.DeadLetter letter = awaitDeadLetter(messageId, Duration.ofSeconds(60));
            assertThat(letter.reasonCode()).as(messageId).isEqualTo(code);
            assertThat(letter.receiveCount())
                    .as("received maxReceiveCount times before the redrive")
                    .isEqualTo(3);
            assertThat(jdbc.queryForList(
                            "SELECT outcome FROM usage_rejection WHERE message_id = ?", String.class, messageId))
                    .hasSize(3)
                    .containsOnly("RETRY");
        });
        assertThat(used(EntitlementId.of("rej-full", "AI_TUTOR_ACCESS"))).isZero();
    }

    @Test
    void dead_letters_are_counted_by_kind_a_rejection_only_on_its_last_receive() {
        // Straight through this instance's intake: the shared test queue may hand a message to another test context,
        // whose meters are not these.
        grant("dl-kind-user", "AI_TUTOR_ACCESS", limit(1));
        String overLimit = "{\"userId\":\"dl-kind-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":2}";
        double rejected = deadLettered("rejected");
        double invalid = deadLettered("invalid");

        assertThat(intake.process(received(overLimit, settings.maxReceiveCount() - 1), seconds -> {}))
                .isEqualTo(Disposition.REJECTED);
        assertThat(deadLettered("rejected"))
                .as("retried again: not bound for the DLQ yet")
                .isEqualTo(rejected);

        assertThat(intake.process(received(overLimit, settings.maxReceiveCount()), seconds -> {}))
                .isEqualTo(Disposition.REJECTED);
        assertThat(deadLettered("rejected"))
                .as("its last receive: the redrive policy moves it")
                .isEqualTo(rejected + 1);

        assertThat(intake.process(received("{\"userId\":\"dl-kind-user\"}", 1), seconds -> {}))
                .isEqualTo(Disposition.INVALID);
        assertThat(deadLettered("invalid")).as("moved by the worker at once").isEqualTo(invalid + 1);
        assertThat(deadLettered("rejected")).isEqualTo(rejected + 1);
    }

    private static Message received(String body, int receiveCount) {
        return Message.builder()
                .messageId(UUID.randomUUID().toString())
                .receiptHandle("test-" + UUID.randomUUID())
                .body(body)
                .attributes(Map.of(
                        MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, Integer.toString(receiveCount),
                        MessageSystemAttributeName.SENT_TIMESTAMP, Long.toString(System.currentTimeMillis())))
                .build();
    }

    @Test
    void a_transient_database_failure_neither_loses_nor_double_counts_the_message() throws Exception {
        EntitlementId id = grant("transient-user", "AI_TUTOR_ACCESS", limit(100));
        try (AutoCloseable outage = refuseEvents(id, Duration.ofSeconds(2))) {
            String messageId = producer.send("{\"userId\":\"transient-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}");

            await().atMost(Duration.ofSeconds(30)).until(() -> used(id) == 1);
            assertThat(events(id)).as("the grant and one UsageConsumed").isEqualTo(2);
            assertThat(jdbc.queryForObject(
                            "SELECT count(*) FROM usage_rejection WHERE message_id = ?", Long.class, messageId))
                    .as("a transient failure is not a rejection")
                    .isZero();
        }
    }

    @Test
    void a_transient_failure_is_retried_in_place_with_the_visibility_extended_before_each_pause() throws Exception {
        EntitlementId id = grant("transient-direct", "AI_TUTOR_ACCESS", limit(100));
        List<Integer> extensions = new java.util.concurrent.CopyOnWriteArrayList<>();
        Disposition outcome;
        try (AutoCloseable outage = refuseEvents(id, Duration.ofMillis(1500))) {
            outcome = intake.process(
                    received("{\"userId\":\"transient-direct\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}", 1),
                    extensions::add);
        }

        assertThat(outcome).as("counted in the same receive").isEqualTo(Disposition.COUNTED);
        assertThat(extensions)
                .as("visibility extended before each pause (200, 400, 800 ms ...)")
                .hasSizeGreaterThanOrEqualTo(2)
                .allMatch(seconds -> seconds >= 30);
        assertThat(used(id)).isEqualTo(1);
    }

    /**
     * Postgres refuses the entitlement's new events for a while, whichever test context's worker takes the message;
     * the worker retries in place (200, 400, 800 ms ...), extending the message's visibility first.
     */
    private AutoCloseable refuseEvents(EntitlementId id, Duration duration) {
        String suffix = id.userId().replace('-', '_');
        jdbc.execute("CREATE TABLE outage_" + suffix + " (until timestamptz NOT NULL)");
        jdbc.update(
                "INSERT INTO outage_" + suffix + " VALUES (clock_timestamp() + ? * interval '1 millisecond')",
                duration.toMillis());
        jdbc.execute("""
                CREATE FUNCTION refuse_%1$s() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.aggregate_identifier = '%2$s' AND clock_timestamp() < (SELECT until FROM outage_%1$s) THEN
                    RAISE EXCEPTION 'injected outage';
                  END IF;
                  RETURN NEW;
                END $$""".formatted(suffix, id));
        jdbc.execute("CREATE TRIGGER refuse_" + suffix + " BEFORE INSERT ON domain_event_entry FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_" + suffix + "()");
        return () -> {
            jdbc.execute("DROP TRIGGER refuse_" + suffix + " ON domain_event_entry");
            jdbc.execute("DROP FUNCTION refuse_" + suffix + "()");
            jdbc.execute("DROP TABLE outage_" + suffix);
        };
    }

    /** The CloudWatch alarms' metric (adr/0018): messages bound for the DLQ, by kind. */
    private double deadLettered(String kind) {
        return intake.deadLettered(kind);
    }

    @Test
    void a_poison_message_in_the_same_poll_does_not_cause_the_good_ones_to_be_redelivered() throws Exception {
        EntitlementId id = grant("poison-user", "AI_TUTOR_ACCESS", limit(1_000));
        double duplicatesBefore = outcomes("duplicate");
        List<String> bodies = new ArrayList<>();
        bodies.add("{\"userId\":\"poison-nobody\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}");
        bodies.add("{\"userId\":\"poison-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":0}");
        for (int i = 0; i < 8; i++) {
            bodies.add(
                    "{\"userId\":\"poison-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":" + (i + 1) + "}");
        }
        producer.sendBatch(bodies);
        await().atMost(SOON).until(() -> used(id) == 36);
        // wait past the 5 s visibility timeout: an unacknowledged good message would come back as a duplicate
        Thread.sleep(7_000);
        assertThat(used(id)).isEqualTo(36);
        assertThat(events(id)).isEqualTo(1 + 8);
        assertThat(outcomes("duplicate")).isEqualTo(duplicatesBefore);
    }

    @Test
    void two_messages_with_the_same_idempotency_key_are_counted_once_and_both_deleted() {
        EntitlementId id = grant("idem-user", "AI_TUTOR_ACCESS", limit(1_000));
        producer.send(
                "{\"userId\":\"idem-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":5,\"idempotencyKey\":\"order-1\"}");
        producer.send(
                "{\"userId\":\"idem-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":7,\"idempotencyKey\":\"order-1\"}");
        awaitQueueDrained();
        assertThat(used(id)).isIn(5L, 7L);
        assertThat(events(id)).isEqualTo(2);
        // A third with the same key, straight through this instance's intake (the shared test queue may have handed
        // the first two to another test context, whose counters are not these): exactly one more duplicate.
        double duplicatesBefore = outcomes("duplicate");
        assertThat(intake.process(
                        received(
                                "{\"userId\":\"idem-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\","
                                        + "\"amount\":9,\"idempotencyKey\":\"order-1\"}",
                                1),
                        seconds -> {}))
                .isEqualTo(Disposition.DUPLICATE);
        assertThat(outcomes("duplicate")).isEqualTo(duplicatesBefore + 1);
        assertThat(used(id)).isIn(5L, 7L);
        assertThat(events(id)).isEqualTo(2);
    }

    @Test
    void the_same_message_delivered_again_after_a_crash_between_commit_and_delete_is_counted_once() {
        EntitlementId id = grant("redelivery-user", "AI_TUTOR_ACCESS", limit(1_000));
        MessageListenerContainer<?> container = containers.getContainerById(UsageListener.LISTENER_ID);
        container.stop();
        try {
            producer.send("{\"userId\":\"redelivery-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":3}");
            Message received = await().atMost(SOON)
                    .until(
                            () -> sqs.receiveMessage(r -> r.queueUrl(queues.queueUrl())
                                            .maxNumberOfMessages(1)
                                            .waitTimeSeconds(1)
                                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                                    .join()
                                    .messages(),
                            messages -> !messages.isEmpty())
                    .get(0);
            // the worker commits ... and "crashes" before deleting: the message becomes visible again
            assertThat(intake.process(received, seconds -> {})).isEqualTo(Disposition.COUNTED);
            sqs.changeMessageVisibility(r -> r.queueUrl(queues.queueUrl())
                            .receiptHandle(received.receiptHandle())
                            .visibilityTimeout(0))
                    .join();
        } finally {
            container.start();
        }
        awaitQueueDrained();
        assertThat(used(id)).isEqualTo(3);
        assertThat(events(id)).isEqualTo(2);
    }

    @Test
    void two_hundred_concurrent_messages_on_one_entitlement_give_the_exact_total() {
        EntitlementId id = grant("hot-user", "AI_TUTOR_ACCESS", limit(1_000_000));
        List<CompletableFuture<List<String>>> sends = new ArrayList<>();
        for (int batch = 0; batch < 20; batch++) {
            int b = batch;
            List<String> bodies = IntStream.range(0, 10)
                    .mapToObj(i -> "{\"userId\":\"hot-user\"," + "\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":"
                            + (b * 10 + i + 1) + "}")
                    .toList();
            sends.add(CompletableFuture.supplyAsync(() -> producer.sendBatch(bodies)));
        }
        sends.forEach(CompletableFuture::join);
        long expected = IntStream.rangeClosed(1, 200).sum();
        await().atMost(Duration.ofMinutes(2)).until(() -> used(id) == expected);
        assertThat(events(id)).isEqualTo(201);
    }

    @Test
    void a_dead_letter_is_listed_without_being_consumed_and_redriven_after_the_cause_is_fixed() {
        double redeliveriesBefore = redeliveries();
        String messageId = producer.send(
                "{\"userId\":\"redrive-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":4,\"metadata\":{\"o\":\"x\"}}");
        awaitDeadLetter(messageId, Duration.ofSeconds(60));
        // listing twice shows the same message: listing does not consume
        JsonNode first = http.getForObject("/api/v1/admin/dead-letters", JsonNode.class);
        JsonNode second = http.getForObject("/api/v1/admin/dead-letters", JsonNode.class);
        assertThat(ids(first)).contains(messageId);
        assertThat(ids(second)).contains(messageId);
        JsonNode listed = find(second, messageId);
        assertThat(listed.get("reasonCode").asText()).isEqualTo("ENTITLEMENT_NOT_FOUND");
        assertThat(listed.get("receiveCount").asInt()).isEqualTo(3);
        assertThat(redeliveries() - redeliveriesBefore)
                .as("its second and third receive counted as redeliveries")
                .isGreaterThanOrEqualTo(2);
        assertThat(listed.get("counted").asBoolean(true))
                .as("a rejected message was not counted")
                .isFalse();
        assertThat(listed.get("body").asText()).contains("\"amount\":4");

        EntitlementId id = grant("redrive-user", "AI_TUTOR_ACCESS", limit(100));
        JsonNode result = http.postForObject(
                "/api/v1/admin/dead-letters/redrive",
                Map.of("messageIds", List.of(messageId, "no-such-id")),
                JsonNode.class);
        assertThat(result.get("moved").asInt()).isEqualTo(1);
        assertThat(result.get("notFound")).hasSize(1);
        await().atMost(SOON).until(() -> used(id) == 4);
        assertThat(ids(http.getForObject("/api/v1/admin/dead-letters", JsonNode.class)))
                .doesNotContain(messageId);
    }

    @Test
    void
            a_message_moved_by_the_redrive_policy_without_a_rejection_is_listed_as_receive_count_exceeded_and_redrive_counts_it_once() {
        EntitlementId id = grant("stalled-user", "AI_TUTOR_ACCESS", limit(1_000));
        MessageListenerContainer<?> container = containers.getContainerById(UsageListener.LISTENER_ID);
        container.stop();
        String countedId;
        String uncountedId;
        try {
            countedId =
                    producer.send("{\"userId\":\"stalled-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":2}");
            uncountedId =
                    producer.send("{\"userId\":\"stalled-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":5}");
            // workers that die while holding a message: received maxReceiveCount (3) times, never deleted; the first
            // one was counted on its first receive
            Map<String, Integer> receives = new java.util.HashMap<>();
            await().atMost(SOON).until(() -> {
                for (Message received : sqs.receiveMessage(r -> r.queueUrl(queues.queueUrl())
                                .maxNumberOfMessages(10)
                                .visibilityTimeout(0)
                                .waitTimeSeconds(1)
                                .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                        .join()
                        .messages()) {
                    if (received.messageId().equals(countedId) && !receives.containsKey(countedId)) {
                        assertThat(intake.process(received, seconds -> {})).isEqualTo(Disposition.COUNTED);
                    }
                    if (received.messageId().equals(countedId)
                            || received.messageId().equals(uncountedId)) {
                        receives.merge(received.messageId(), 1, Integer::sum);
                    }
                }
                return receives.getOrDefault(countedId, 0) >= 3 && receives.getOrDefault(uncountedId, 0) >= 3;
            });
        } finally {
            container.start();
        }
        // the worker's next receive finds them over maxReceiveCount: the queue moves them to the DLQ
        DeadLetterQueue.DeadLetter counted = awaitDeadLetter(countedId, SOON);
        DeadLetterQueue.DeadLetter uncounted = awaitDeadLetter(uncountedId, SOON);
        assertThat(counted.reasonCode()).isEqualTo(DeadLetterQueue.RECEIVE_COUNT_EXCEEDED);
        assertThat(counted.counted()).isTrue();
        assertThat(counted.reasonDetail()).contains("was counted");
        assertThat(uncounted.reasonCode()).isEqualTo(DeadLetterQueue.RECEIVE_COUNT_EXCEEDED);
        assertThat(uncounted.counted()).isFalse();
        assertThat(uncounted.reasonDetail()).contains("not counted");
        assertThat(used(id)).isEqualTo(2);

        JsonNode result = http.postForObject(
                "/api/v1/admin/dead-letters/redrive",
                Map.of("messageIds", List.of(countedId, uncountedId)),
                JsonNode.class);
        assertThat(result.get("moved").asInt()).isEqualTo(2);
        await().atMost(SOON).until(() -> used(id) == 7);
        awaitQueueDrained();
        assertThat(used(id)).isEqualTo(7);
        assertThat(events(id)).as("the grant and one UsageConsumed per message").isEqualTo(3);
    }

    @Test
    void health_reports_sqs_and_metrics_expose_outcomes_latency_and_dlq_moves() {
        JsonNode health = http.getForObject("/actuator/health", JsonNode.class);
        assertThat(health.at("/components/sqs/status").asText()).isEqualTo("UP");
        EntitlementId id = grant("metrics-user", "AI_TUTOR_ACCESS", limit(100));
        producer.send("{\"userId\":\"metrics-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}");
        producer.send("{\"userId\":\"metrics-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":-5}");
        await().atMost(SOON).until(() -> used(id) == 1);
        await().atMost(SOON)
                .until(() -> http.getForObject("/actuator/prometheus", String.class)
                        .contains("ledger_intake_dead_letters_total{reason=\"INVALID_AMOUNT\"}"));
        String metrics = http.getForObject("/actuator/prometheus", String.class);
        assertThat(metrics)
                .contains("ledger_intake_messages_total{outcome=\"counted\"}")
                .contains("ledger_intake_latency_seconds_count")
                .contains("ledger_intake_redeliveries_total")
                .contains("ledger_intake_dead_lettered_total{kind=\"invalid\"}")
                .contains("ledger_intake_dead_lettered_total{kind=\"rejected\"}");
    }

    private double redeliveries() {
        return meters.get("ledger.intake.redeliveries").functionCounter().count();
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.get("messages").forEach(m -> ids.add(m.get("originalMessageId").asText()));
        return ids;
    }

    private static JsonNode find(JsonNode list, String originalId) {
        for (JsonNode m : list.get("messages")) {
            if (m.get("originalMessageId").asText().equals(originalId)) {
                return m;
            }
        }
        throw new AssertionError("not listed: " + originalId);
    }
}
