package dev.ledger.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Thousands of random and mutated bodies against the parser and the worker, on the shared test context. Every body gets
 * the parser's verdict its kind requires. Of those that go through the worker, every message must end counted or in
 * the DLQ, bodies built to be valid are all counted, bodies built to be invalid are all dead-lettered with an
 * invalid-message reason, the balances equal the sum of counted events, and the worker stays healthy.
 *
 * <p>One body in {@value #THROUGH_THE_WORKER} goes through the worker (a message costs milliseconds there; the parser's
 * verdict, which decides its fate, is checked for every body). A fifth of those travel over the wire (SQS, the
 * listener, its acknowledgements); the others, and every body that is bound to be a business rejection, are handed
 * straight to {@link UsageIntake#process}, as the listener does, which moves invalid ones to the real DLQ. A rejection
 * is received {@code maxReceiveCount} times there, each one recorded, before the queue's redrive policy would move it
 * (that move is {@link UsageIntakeTest}'s subject). The DLQ is shared with the other test classes: this test takes its
 * own messages out of it, by original message id.
 */
@IntegrationTest
class IntakeFuzzTest {

    private static final int MESSAGES = 3_000;
    private static final int THROUGH_THE_WORKER = 3;
    private static final int OVER_THE_WIRE = 5 * THROUGH_THE_WORKER;
    private static final List<String> USERS = List.of("fuzz-a", "fuzz-b", "fuzz-c");
    private static final Set<String> BUSINESS_CODES =
            Set.of("ENTITLEMENT_NOT_FOUND", "ENTITLEMENT_INACTIVE", "NO_USAGE_TRACKING", "LIMIT_EXCEEDED");

    enum Kind {
        VALID,
        INVALID,
        MUTATED
    }

    record Sent(String body, Kind kind) {}

    @Autowired
    Ledger ledger;

    @Autowired
    UsageIntake intake;

    @Autowired
    SqsSettings settings;

    @Autowired
    SqsAsyncClient sqs;

    @Autowired
    Queues queues;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    HealthEndpoint health;

    @Test
    void random_and_mutated_bodies_are_each_counted_or_dead_lettered_and_the_worker_stays_healthy() throws Exception {
        Set<EntitlementId> granted = new HashSet<>();
        for (String user : USERS) {
            EntitlementId id = EntitlementId.of(user, "FUZZ");
            ledger.send(
                    id,
                    new GrantEntitlement(
                            id,
                            true,
                            new UsagePolicy(Long.MAX_VALUE / 4, Period.NONE, null, OverLimit.REJECT),
                            Instant.now()),
                    Map.of());
            granted.add(id);
        }
        // every body gets the parser's verdict its kind requires
        Random random = new Random(20261127);
        Instant now = Instant.now();
        List<Sent> overTheWire = new ArrayList<>();
        List<Sent> direct = new ArrayList<>();
        long valid = 0;
        for (int i = 0; i < MESSAGES; i++) {
            Sent message = generate(random, i);
            UsageMessages.Parsed parsed =
                    UsageMessages.parse(message.body(), "fuzz", now, now, settings.maxFutureSkew());
            if (message.kind() == Kind.VALID) {
                assertThat(parsed.valid()).as("valid body %s", message.body()).isTrue();
                valid++;
            }
            if (message.kind() == Kind.INVALID) {
                assertThat(parsed.valid()).as("invalid body %s", message.body()).isFalse();
                assertThat(parsed.invalid().code())
                        .as("reason of %s", message.body())
                        .isNotNull()
                        .isNotIn(BUSINESS_CODES);
            }
            // over the wire, a business rejection would take the whole redelivery cycle
            boolean boundToBeRejected =
                    parsed.valid() && !granted.contains(parsed.command().id());
            if (i % OVER_THE_WIRE == 0 && !boundToBeRejected) {
                overTheWire.add(message);
            } else if (i % THROUGH_THE_WORKER == 0) {
                direct.add(message);
            }
        }
        assertThat(valid).isGreaterThan(500);

        SqsTestClient producer = new SqsTestClient(sqs, queues);
        Map<String, Sent> wire = new HashMap<>();
        for (int from = 0; from < overTheWire.size(); from += 10) {
            List<Sent> batch = overTheWire.subList(from, Math.min(from + 10, overTheWire.size()));
            List<String> ids = producer.sendBatch(batch.stream().map(Sent::body).toList());
            for (int j = 0; j < ids.size(); j++) {
                wire.put(ids.get(j), batch.get(j));
            }
        }

        Map<String, Sent> straight = new HashMap<>();
        Map<String, List<Disposition>> dispositions = new ConcurrentHashMap<>();
        ExecutorService workers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Sent message : direct) {
                String id = UUID.randomUUID().toString();
                straight.put(id, message);
                done.add(workers.submit(() -> dispositions.put(id, receiveUntilDone(id, message.body()))));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            workers.shutdownNow();
        }

        // every message over the wire deleted: counted, duplicate or moved to the DLQ (the worker moves an invalid one
        // before it deletes it), so none can reach the DLQ later
        await().atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(
                                    r -> r.queueUrl(queues.queueUrl())
                                            .attributeNames(
                                                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                            .join()
                            .attributes();
                    return attributes.values().stream().allMatch("0"::equals);
                });
        Map<String, Sent> sent = new HashMap<>(wire);
        sent.putAll(straight);
        Map<String, Message> deadLetters = producer.takeDeadLetters(sent.keySet());

        Map<String, Long> counted = new HashMap<>();
        Map<String, Long> events = new HashMap<>();
        jdbc.query(
                """
                SELECT convert_from(payload, 'UTF8')::jsonb ->> 'sourceMessageId',
                       (convert_from(payload, 'UTF8')::jsonb ->> 'amount')::bigint
                FROM domain_event_entry
                WHERE payload_type = 'dev.ledger.entitlement.UsageConsumed' AND aggregate_identifier = ANY (?)""",
                rs -> {
                    counted.merge(rs.getString(1), rs.getLong(2), Long::sum);
                    events.merge(rs.getString(1), 1L, Long::sum);
                },
                (Object) granted.stream().map(EntitlementId::toString).toArray(String[]::new));

        assertThat(sent.keySet())
                .as("every usage on the fuzz entitlements came from this test")
                .containsAll(counted.keySet());
        Set<String> both = new HashSet<>(counted.keySet());
        both.retainAll(deadLetters.keySet());
        assertThat(both).as("no message is both counted and dead-lettered").isEmpty();
        assertThat(events)
                .as("a message is counted at most once: one UsageConsumed per source message")
                .allSatisfy(
                        (messageId, count) -> assertThat(count).as(messageId).isEqualTo(1L));
        for (Map.Entry<String, Sent> entry : wire.entrySet()) {
            String id = entry.getKey();
            Sent message = entry.getValue();
            assertThat(counted.containsKey(id) || deadLetters.containsKey(id))
                    .as("message %s (%s) is counted or in the DLQ: %s", id, message.kind(), message.body())
                    .isTrue();
            assertKindKept(id, message, counted, deadLetters);
        }
        for (Map.Entry<String, Sent> entry : straight.entrySet()) {
            String id = entry.getKey();
            Sent message = entry.getValue();
            List<Disposition> receives = dispositions.get(id);
            Disposition outcome = receives.get(receives.size() - 1);
            assertThat(outcome)
                    .as("message %s (%s): %s", id, message.kind(), message.body())
                    .isIn(Disposition.COUNTED, Disposition.INVALID, Disposition.REJECTED);
            assertThat(counted.containsKey(id))
                    .as("counted: %s", message.body())
                    .isEqualTo(outcome == Disposition.COUNTED);
            assertThat(deadLetters.containsKey(id))
                    .as("moved to the DLQ by the worker: %s", message.body())
                    .isEqualTo(outcome == Disposition.INVALID);
            if (outcome == Disposition.REJECTED) {
                assertThat(receives)
                        .as("rejected on every receive until the redrive policy moves it: %s", message.body())
                        .hasSize(settings.maxReceiveCount())
                        .containsOnly(Disposition.REJECTED);
                assertThat(jdbc.queryForList(
                                "SELECT reason_code FROM usage_rejection WHERE message_id = ? AND outcome = 'RETRY'",
                                String.class,
                                id))
                        .as("a business reason recorded on each receive: %s", message.body())
                        .hasSize(settings.maxReceiveCount())
                        .allMatch(BUSINESS_CODES::contains);
            }
            assertKindKept(id, message, counted, deadLetters);
        }
        long countedTotal = counted.values().stream().mapToLong(Long::longValue).sum();
        Long balances = jdbc.queryForObject(
                "SELECT sum(used) FROM entitlement_state WHERE entitlement_key = 'FUZZ' AND user_id = ANY (?)",
                Long.class,
                (Object) USERS.toArray(String[]::new));
        assertThat(balances).isEqualTo(countedTotal);
        assertThat(sent.values().stream().filter(s -> s.kind() == Kind.VALID).count())
                .isGreaterThan(150);
        assertThat(wire.values().stream().map(Sent::kind)).contains(Kind.VALID, Kind.INVALID, Kind.MUTATED);
        assertThat(dispositions.values().stream().map(receives -> receives.get(receives.size() - 1)))
                .contains(Disposition.COUNTED, Disposition.INVALID, Disposition.REJECTED);
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    /** Bodies built to be valid are counted; bodies built to be invalid are in the DLQ with an invalid reason. */
    private static void assertKindKept(
            String id, Sent message, Map<String, Long> counted, Map<String, Message> deadLetters) {
        if (message.kind() == Kind.VALID) {
            assertThat(counted).as("valid message %s", message.body()).containsKey(id);
        }
        if (message.kind() == Kind.INVALID) {
            assertThat(deadLetters).as("invalid message %s", message.body()).containsKey(id);
            // moved by the worker with its reason, not by the redrive policy (which records none)
            assertThat(SqsTestClient.reason(deadLetters.get(id)))
                    .as("reason of %s", message.body())
                    .isNotNull()
                    .isNotIn(BUSINESS_CODES);
        }
    }

    /**
     * The message handed to the intake as the listener would: again, with its receive count up, while it is rejected
     * and the queue would redeliver it, up to {@code maxReceiveCount} receives.
     */
    private List<Disposition> receiveUntilDone(String id, String body) {
        List<Disposition> receives = new ArrayList<>();
        Disposition outcome;
        do {
            int receiveCount = receives.size() + 1;
            Message message = Message.builder()
                    .messageId(id)
                    .receiptHandle("fuzz-" + id + "-" + receiveCount)
                    .body(body)
                    .attributes(Map.of(
                            MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, Integer.toString(receiveCount),
                            MessageSystemAttributeName.SENT_TIMESTAMP, Long.toString(System.currentTimeMillis())))
                    .build();
            outcome = intake.process(message, seconds -> {});
            receives.add(outcome);
        } while (!outcome.acknowledge() && receives.size() < settings.maxReceiveCount());
        return receives;
    }

    private static Sent generate(Random random, int i) {
        return switch (random.nextInt(10)) {
            case 0, 1, 2 -> new Sent(valid(random, i), Kind.VALID);
            case 3 -> new Sent(randomText(random, 1 + random.nextInt(200)), Kind.INVALID);
            case 4 -> new Sent(nested(random), Kind.INVALID);
            case 5 -> new Sent(wrongTypes(random), Kind.INVALID);
            case 6 -> new Sent(hugeNumber(random), Kind.INVALID);
            default -> new Sent(mutate(random, valid(random, i)), Kind.MUTATED);
        };
    }

    private static String valid(Random random, int i) {
        String user = USERS.get(random.nextInt(USERS.size()));
        StringBuilder body = new StringBuilder("{\"userId\":\"").append(user).append("\",\"entitlementKey\":\"FUZZ\"");
        if (random.nextBoolean()) {
            body.append(",\"amount\":").append(1 + random.nextInt(1000));
        }
        if (random.nextBoolean()) {
            body.append(",\"metadata\":{\"source\":\"fuzz\",\"n\":").append(i).append(",\"ok\":true,\"u\":\"ü😀\"}");
        }
        if (random.nextInt(4) == 0) {
            body.append(",\"idempotencyKey\":\"fuzz-").append(i).append('"');
        }
        return body.append('}').toString();
    }

    private static String randomText(Random random, int length) {
        StringBuilder text = new StringBuilder();
        while (text.length() < length) {
            int cp = random.nextInt(4) == 0 ? 0x20 + random.nextInt(0x5F) : random.nextInt(0x10FFFF);
            boolean allowedBySqs = cp == 0x9
                    || cp == 0xA
                    || cp == 0xD
                    || (cp >= 0x20 && cp <= 0xD7FF)
                    || (cp >= 0xE000 && cp <= 0xFFFD)
                    || cp >= 0x10000;
            if (allowedBySqs) {
                text.appendCodePoint(cp);
            }
        }
        // make sure it is not accidentally a JSON object
        return "#" + text;
    }

    private static String nested(Random random) {
        int depth = 50 + random.nextInt(2000);
        return "{\"userId\":" + "[".repeat(depth) + "]".repeat(depth) + ",\"entitlementKey\":\"FUZZ\"}";
    }

    private static String wrongTypes(Random random) {
        String[] values = {"null", "true", "1", "[]", "{}", "\"\"", "1.5", "\"lower_case\""};
        String value = values[random.nextInt(values.length)];
        // "lower_case" breaks only the entitlement key's rule: as a userId it is a valid string (the old reason check,
        // which let a null reason pass, hid that such a message was a business rejection, not an invalid one)
        return random.nextBoolean() && !value.equals("\"lower_case\"")
                ? "{\"userId\":" + (value.equals("null") ? "{}" : value) + ",\"entitlementKey\":\"FUZZ\"}"
                : "{\"userId\":\"fuzz-a\",\"entitlementKey\":" + (value.equals("null") ? "7" : value) + "}";
    }

    private static String hugeNumber(Random random) {
        String[] amounts = {
            "1e12", "99999999999999999999999999", "-1", "0", "1000000001", "2.5", "\"3\"", "1E400", "-0", "NaN"
        };
        return "{\"userId\":\"fuzz-a\",\"entitlementKey\":\"FUZZ\",\"amount\":"
                + amounts[random.nextInt(amounts.length)] + "}";
    }

    private static String mutate(Random random, String body) {
        StringBuilder mutated = new StringBuilder(body);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && mutated.length() > 1; e++) {
            int at = random.nextInt(mutated.length());
            switch (random.nextInt(4)) {
                case 0 -> mutated.deleteCharAt(at);
                case 1 -> {
                    String alphabet = "\"{}[]:,0-9eE.\\u";
                    mutated.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
                case 2 -> mutated.setCharAt(at, (char) (0x20 + random.nextInt(0x5F)));
                default -> mutated.insert(at, "\u00e9\u4e2d");
            }
        }
        return withoutLoneSurrogates(mutated);
    }

    /** SQS refuses bodies that are not valid Unicode, so a mutation that split a surrogate pair is repaired. */
    private static String withoutLoneSurrogates(CharSequence text) {
        StringBuilder clean = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                clean.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                clean.append('?');
            } else {
                clean.append(c);
            }
        }
        return clean.toString();
    }
}
