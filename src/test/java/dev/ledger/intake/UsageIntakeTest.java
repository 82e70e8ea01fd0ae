package dev.ledger.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The worker against ElasticMQ and Postgres over the wire; nothing is mocked.
 *
 * <p>A business rejection reaches the DLQ only after {@code maxReceiveCount} receives spaced by the visibility timeout
 * (3 × 5 s here), and a poison message proves its point only once that timeout has passed. Those messages are sent
 * once, before the tests ({@link #sendTheMessagesThatTakeTheRedeliveryCycle}), so their waits overlap with the other
 * tests; the tests that check them run after the others ({@link #AFTER_THE_REDELIVERY_CYCLE}), and the tests that need
 * the queue to themselves (they receive from it, or await it empty) run last ({@link #WITH_THE_QUEUE_TO_ITSELF}).
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UsageIntakeTest {

    private static final Duration SOON = Duration.ofSeconds(30);
    /** Long enough for the messages sent before the tests to be received three times, 5 s apart, and redriven. */
    private static final Duration REDELIVERY_CYCLE = Duration.ofSeconds(60);

    private static final int AFTER_THE_REDELIVERY_CYCLE = Order.DEFAULT + 1;
    private static final int WITH_THE_QUEUE_TO_ITSELF = Order.DEFAULT + 2;

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

    /** The business rejections sent before the tests: message id, and the reason each must end in the DLQ with. */
    private final Map<String, String> rejected = new LinkedHashMap<>();

    /** The rejection sent before the tests that is listed and then redriven once its cause is fixed. */
    private String toRedrive;

    private double redeliveriesBeforeTheTests;

    /** One poll's worth: a rejected message, an invalid one, and eight good ones. */
    private record PoisonPoll(String rejected, String invalid, List<String> good) {}

    private PoisonPoll poison;

    /**
     * The messages the intake logs as received again, by any worker in this JVM: the shared test queue may hand a
     * message to another test context, whose meters are not these.
     */
    private static final class Redeliveries extends AppenderBase<ILoggingEvent> {

        private final Set<String> ids = ConcurrentHashMap.newKeySet();

        @Override
        protected void append(ILoggingEvent event) {
            if (event.getMessage().startsWith("Usage message {} received again")) {
                ids.add(String.valueOf(event.getArgumentArray()[0]));
            }
        }

        Set<String> messageIds() {
            return Set.copyOf(ids);
        }
    }

    private final Redeliveries redelivered = new Redeliveries();

    @BeforeAll
    void sendTheMessagesThatTakeTheRedeliveryCycle() {
        producer = new SqsTestClient(sqs, queues);
        redelivered.start();
        ((Logger) LoggerFactory.getLogger(UsageIntake.class)).addAppender(redelivered);
        redeliveriesBeforeTheTests = redeliveries();

        grant("rej-inactive", "AI_TUTOR_ACCESS", limit(10));
        ledger.send(
                EntitlementId.of("rej-inactive", "AI_TUTOR_ACCESS"),
                new DeactivateEntitlement(EntitlementId.of("rej-inactive", "AI_TUTOR_ACCESS"), Instant.now()),
                Map.of());
        grant("rej-untracked", "ACCESS_DASHBOARD", null);
        grant("rej-full", "AI_TUTOR_ACCESS", limit(1));
        rejected.put(
                producer.send("{\"userId\":\"rej-nobody\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}"),
                "ENTITLEMENT_NOT_FOUND");
        rejected.put(
                producer.send("{\"userId\":\"rej-inactive\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}"),
                "ENTITLEMENT_INACTIVE");
        rejected.put(
                producer.send("{\"userId\":\"rej-untracked\",\"entitlementKey\":\"ACCESS_DASHBOARD\"}"),
                "NO_USAGE_TRACKING");
        rejected.put(
                producer.send("{\"userId\":\"rej-full\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":2}"),
                "LIMIT_EXCEEDED");

        toRedrive = producer.send(
                "{\"userId\":\"redrive-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":4,\"metadata\":{\"o\":\"x\"}}");

        grant("poison-user", "AI_TUTOR_ACCESS", limit(1_000));
        List<String> bodies = new ArrayList<>();
        bodies.add("{\"userId\":\"poison-nobody\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}");
        bodies.add("{\"userId\":\"poison-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":0}");
        for (int i = 0; i < 8; i++) {
            bodies.add(
                    "{\"userId\":\"poison-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":" + (i + 1) + "}");
        }
        List<String> ids = producer.sendBatch(bodies);
        poison = new PoisonPoll(ids.get(0), ids.get(1), ids.subList(2, ids.size()));
    }

    @AfterAll
    void stopWatchingRedeliveries() {
        ((Logger) LoggerFactory.getLogger(UsageIntake.class)).detachAppender(redelivered);
        redelivered.stop();
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
                .pollInterval(Duration.ofMillis(100))
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
                .pollInterval(Duration.ofMillis(100))
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
    @Order(AFTER_THE_REDELIVERY_CYCLE)
    void every_business_rejection_ends_in_the_dlq_after_the_retries_with_its_reason_recorded() {
        assertThat(rejected.values())
                .containsExactlyInAnyOrder(
                        "ENTITLEMENT_NOT_FOUND", "ENTITLEMENT_INACTIVE", "NO_USAGE_TRACKING", "LIMIT_EXCEEDED");
        rejected.forEach((messageId, code) -> {
            DeadLetterQueue.DeadLetter letter = awaitDeadLetter(messageId, REDELIVERY_CYCLE);
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
    void a_transient_database_failure_neither_loses_nor_double_counts_the_message() {
        EntitlementId id = grant("transient-user", "AI_TUTOR_ACCESS", limit(100));
        try (Outage outage = refuseEvents(id, 2)) {
            String messageId = producer.send("{\"userId\":\"transient-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}");

            await().atMost(SOON).until(() -> used(id) == 1);
            assertThat(outage.attempts()).as("refused twice, then written").isEqualTo(3);
            assertThat(events(id)).as("the grant and one UsageConsumed").isEqualTo(2);
            assertThat(jdbc.queryForObject(
                            "SELECT count(*) FROM usage_rejection WHERE message_id = ?", Long.class, messageId))
                    .as("a transient failure is not a rejection")
                    .isZero();
        }
    }

    @Test
    void a_transient_failure_is_retried_in_place_with_the_visibility_extended_before_each_pause() {
        EntitlementId id = grant("transient-direct", "AI_TUTOR_ACCESS", limit(100));
        List<Integer> extensions = new java.util.concurrent.CopyOnWriteArrayList<>();
        Disposition outcome;
        try (Outage outage = refuseEvents(id, 2)) {
            outcome = intake.process(
                    received("{\"userId\":\"transient-direct\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}", 1),
                    extensions::add);
            assertThat(outage.attempts()).as("refused twice, then written").isEqualTo(3);
        }

        assertThat(outcome).as("counted in the same receive").isEqualTo(Disposition.COUNTED);
        assertThat(extensions)
                .as("visibility extended before each of the two pauses (200, 400 ms)")
                .hasSize(2)
                .allMatch(seconds -> seconds >= 30);
        assertThat(used(id)).isEqualTo(1);
    }

    /** An injected outage: the number of times the entitlement's events were written or refused so far. */
    private interface Outage extends AutoCloseable {

        long attempts();

        @Override
        void close();
    }

    /**
     * Postgres refuses the entitlement's next {@code refusals} events, whichever test context's worker sends them; the
     * worker retries in place (200, 400, 800 ms ...), extending the message's visibility first. The attempts are
     * counted by a sequence, which a refused transaction does not roll back.
     */
    private Outage refuseEvents(EntitlementId id, int refusals) {
        String suffix = id.userId().replace('-', '_');
        jdbc.execute("CREATE SEQUENCE outage_" + suffix);
        jdbc.execute("""
                CREATE FUNCTION refuse_%1$s() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.aggregate_identifier = '%2$s' THEN
                    IF nextval('outage_%1$s') <= %3$d THEN
                      RAISE EXCEPTION 'injected outage';
                    END IF;
                  END IF;
                  RETURN NEW;
                END $$""".formatted(suffix, id, refusals));
        jdbc.execute("CREATE TRIGGER refuse_" + suffix + " BEFORE INSERT ON domain_event_entry FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_" + suffix + "()");
        return new Outage() {
            @Override
            public long attempts() {
                return jdbc.queryForObject(
                        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM outage_" + suffix, Long.class);
            }

            @Override
            public void close() {
                jdbc.execute("DROP TRIGGER refuse_" + suffix + " ON domain_event_entry");
                jdbc.execute("DROP FUNCTION refuse_" + suffix + "()");
                jdbc.execute("DROP SEQUENCE outage_" + suffix);
            }
        };
    }

    /** The CloudWatch alarms' metric (adr/0018): messages bound for the DLQ, by kind. */
    private double deadLettered(String kind) {
        return intake.deadLettered(kind);
    }

    @Test
    @Order(AFTER_THE_REDELIVERY_CYCLE)
    void a_poison_message_in_the_same_poll_does_not_cause_the_good_ones_to_be_redelivered() {
        EntitlementId id = EntitlementId.of("poison-user", "AI_TUTOR_ACCESS");
        await().atMost(SOON).until(() -> used(id) == 36);
        assertThat(awaitDeadLetter(poison.invalid(), SOON).reasonCode()).isEqualTo("INVALID_AMOUNT");
        // The rejected one is received three times, a visibility timeout apart, then moved to the DLQ: by then a good
        // message of the same poll that was not acknowledged would have been received again too.
        DeadLetterQueue.DeadLetter rejection = awaitDeadLetter(poison.rejected(), REDELIVERY_CYCLE);
        assertThat(rejection.reasonCode()).isEqualTo("ENTITLEMENT_NOT_FOUND");
        assertThat(rejection.receiveCount()).isEqualTo(3);
        assertThat(redelivered.messageIds())
                .as("messages received again, by any worker in this JVM")
                .contains(poison.rejected())
                .doesNotContainAnyElementsOf(poison.good());
        assertThat(used(id)).isEqualTo(36);
        assertThat(events(id)).isEqualTo(1 + 8);
    }

    @Test
    @Order(WITH_THE_QUEUE_TO_ITSELF)
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
    @Order(WITH_THE_QUEUE_TO_ITSELF)
    void the_same_message_delivered_again_after_a_crash_between_commit_and_delete_is_counted_once() {
        EntitlementId id = grant("redelivery-user", "AI_TUTOR_ACCESS", limit(1_000));
        // this test receives from the queue itself: it must not take (and count a receive of) another test's message
        awaitQueueDrained();
        MessageListenerContainer<?> container = containers.getContainerById(UsageListener.LISTENER_ID);
        container.stop();
        try {
            String messageId = producer.send(
                    "{\"userId\":\"redelivery-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":3}");
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
            assertThat(received.messageId()).isEqualTo(messageId);
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
    @Order(AFTER_THE_REDELIVERY_CYCLE)
    void a_dead_letter_is_listed_without_being_consumed_and_redriven_after_the_cause_is_fixed() {
        String messageId = toRedrive;
        awaitDeadLetter(messageId, REDELIVERY_CYCLE);
        // listing twice shows the same message: listing does not consume
        JsonNode first = http.getForObject("/api/v1/admin/dead-letters", JsonNode.class);
        JsonNode second = http.getForObject("/api/v1/admin/dead-letters", JsonNode.class);
        assertThat(ids(first)).contains(messageId);
        assertThat(ids(second)).contains(messageId);
        JsonNode listed = find(second, messageId);
        assertThat(listed.get("reasonCode").asText()).isEqualTo("ENTITLEMENT_NOT_FOUND");
        assertThat(listed.get("receiveCount").asInt()).isEqualTo(3);
        assertThat(redelivered.messageIds()).as("its second and third receive").contains(messageId);
        assertThat(redeliveries() - redeliveriesBeforeTheTests)
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
    @Order(WITH_THE_QUEUE_TO_ITSELF)
    void
            a_message_moved_by_the_redrive_policy_without_a_rejection_is_listed_as_receive_count_exceeded_and_redrive_counts_it_once() {
        EntitlementId id = grant("stalled-user", "AI_TUTOR_ACCESS", limit(1_000));
        // this test receives from the queue itself: it must not take (and count a receive of) another test's message
        awaitQueueDrained();
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
