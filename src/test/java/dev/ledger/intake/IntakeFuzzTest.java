package dev.ledger.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Thousands of random and mutated bodies against a worker with queues and a database of its own. Every message must
 * end counted or in the DLQ, bodies built to be valid are all counted, bodies built to be invalid are all dead-lettered
 * with an invalid-message reason, the balances equal the sum of counted events, and the worker stays healthy.
 */
class IntakeFuzzTest {

    private static final int MESSAGES = 3_000;
    private static final List<String> USERS = List.of("fuzz-a", "fuzz-b", "fuzz-c");
    private static final Set<String> BUSINESS_CODES =
            Set.of("ENTITLEMENT_NOT_FOUND", "ENTITLEMENT_INACTIVE", "NO_USAGE_TRACKING", "LIMIT_EXCEEDED");

    enum Kind {
        VALID,
        INVALID,
        MUTATED
    }

    record Sent(String body, Kind kind) {}

    @Test
    void random_and_mutated_bodies_are_each_counted_or_dead_lettered_and_the_worker_stays_healthy() {
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (ConfigurableApplicationContext app = LedgerInstances.start(database, "ledger.environment=fuzz")) {
            Ledger ledger = app.getBean(Ledger.class);
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
            }
            Queues queues = app.getBean(Queues.class);
            SqsAsyncClient sqs = app.getBean(SqsAsyncClient.class);
            SqsTestClient producer = new SqsTestClient(sqs, queues);

            Random random = new Random(20261127);
            Map<String, Sent> sent = new HashMap<>();
            List<Sent> pending = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                pending.add(generate(random, i));
                if (pending.size() == 10 || i == MESSAGES - 1) {
                    List<String> ids =
                            producer.sendBatch(pending.stream().map(Sent::body).toList());
                    for (int j = 0; j < ids.size(); j++) {
                        sent.put(ids.get(j), pending.get(j));
                    }
                    pending.clear();
                }
            }

            await().atMost(Duration.ofMinutes(4))
                    .pollInterval(Duration.ofSeconds(1))
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
            Map<String, Message> deadLetters = producer.drainDeadLetters(Duration.ofSeconds(3));

            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            Map<String, Long> counted = new HashMap<>();
            Map<String, Long> events = new HashMap<>();
            jdbc.query("""
                    SELECT convert_from(payload, 'UTF8')::jsonb ->> 'sourceMessageId',
                           (convert_from(payload, 'UTF8')::jsonb ->> 'amount')::bigint
                    FROM domain_event_entry WHERE payload_type = 'dev.ledger.entitlement.UsageConsumed'""", rs -> {
                counted.merge(rs.getString(1), rs.getLong(2), Long::sum);
                events.merge(rs.getString(1), 1L, Long::sum);
            });

            Set<String> both = new HashSet<>(counted.keySet());
            both.retainAll(deadLetters.keySet());
            assertThat(both).as("no message is both counted and dead-lettered").isEmpty();
            assertThat(events)
                    .as("a message is counted at most once: one UsageConsumed per source message")
                    .allSatisfy((messageId, count) ->
                            assertThat(count).as(messageId).isEqualTo(1L));
            for (Map.Entry<String, Sent> entry : sent.entrySet()) {
                String id = entry.getKey();
                Sent message = entry.getValue();
                assertThat(counted.containsKey(id) || deadLetters.containsKey(id))
                        .as("message %s (%s) is counted or in the DLQ: %s", id, message.kind(), message.body())
                        .isTrue();
                if (message.kind() == Kind.VALID) {
                    assertThat(counted).as("valid message %s", message.body()).containsKey(id);
                }
                if (message.kind() == Kind.INVALID) {
                    assertThat(deadLetters)
                            .as("invalid message %s", message.body())
                            .containsKey(id);
                    // moved by the worker with its reason, not by the redrive policy (which records none)
                    assertThat(SqsTestClient.reason(deadLetters.get(id)))
                            .as("reason of %s", message.body())
                            .isNotNull()
                            .isNotIn(BUSINESS_CODES);
                }
            }
            long countedTotal =
                    counted.values().stream().mapToLong(Long::longValue).sum();
            Long balances = jdbc.queryForObject(
                    "SELECT sum(used) FROM entitlement_state WHERE entitlement_key = 'FUZZ'", Long.class);
            assertThat(balances).isEqualTo(countedTotal);
            assertThat(sent.values().stream()
                            .filter(s -> s.kind() == Kind.VALID)
                            .count())
                    .isGreaterThan(500);
            assertThat(app.getBean(HealthEndpoint.class).health().getStatus()).isEqualTo(Status.UP);
        }
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
