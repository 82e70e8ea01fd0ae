package dev.ledger.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.command.EntitlementStates;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The race of issue 16 over SQS, ElasticMQ and Postgres: a message refused because its window is full must get the same
 * decision on every receive, even after another message has opened the next window in between. Before the fix, its
 * second receive counted it as late usage, which was never limit-checked.
 */
@IntegrationTest
class LateUsageRaceTest {

    @Autowired
    SqsAsyncClient sqs;

    @Autowired
    Queues queues;

    @Autowired
    Ledger ledger;

    @Autowired
    EntitlementStates states;

    @Autowired
    DeadLetterQueue deadLetters;

    @Autowired
    SqsSettings settings;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void a_message_rejected_in_a_full_window_is_still_rejected_after_the_window_rolls_over_and_ends_in_the_dlq() {
        SqsTestClient producer = new SqsTestClient(sqs, queues);
        // a daily window that ends a minute from now: the next window's usage lies within the allowed future skew
        Instant end = Instant.now().plus(Duration.ofMinutes(1)).truncatedTo(ChronoUnit.SECONDS);
        EntitlementId id = EntitlementId.of("race-user", "AI_TUTOR_ACCESS");
        ledger.send(
                id,
                new GrantEntitlement(id, true, new UsagePolicy(1, Period.DAILY, end, OverLimit.REJECT), Instant.now()),
                Map.of());
        String body = "{\"userId\":\"race-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"idempotencyKey\":\"%s\","
                + "\"occurredAt\":\"%s\"}";

        producer.send(body.formatted("race-fill", Instant.now()));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> states.find(id).orElseThrow().used() == 1);

        String first = producer.send(body.formatted("race-first", Instant.now()));
        await().atMost(Duration.ofSeconds(30)).until(() -> reasons(first).size() == 1);

        producer.send(body.formatted("race-next-window", end.plusSeconds(5)));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> states.find(id).orElseThrow().window().start().equals(end));
        assertThat(reasons(first))
                .as("the window rolled over before the first message came again")
                .hasSize(1);

        DeadLetterQueue.DeadLetter dead = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> deadLetters.list(1000).stream()
                                .filter(d -> d.originalMessageId().equals(first))
                                .findFirst(),
                        java.util.Optional::isPresent)
                .orElseThrow();
        assertThat(dead.reasonCode()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(dead.counted()).isFalse();
        assertThat(reasons(first))
                .as("rejected on every receive, with its own window's count")
                .hasSize(settings.maxReceiveCount())
                .containsOnly("LIMIT_EXCEEDED");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM dedup_key WHERE dedup_key = 'race-first'", Integer.class))
                .isZero();
        assertThat(states.find(id).orElseThrow().used()).isEqualTo(1);
    }

    private List<String> reasons(String messageId) {
        return jdbc.queryForList(
                "SELECT reason_code FROM usage_rejection WHERE message_id = ? ORDER BY id", String.class, messageId);
    }
}
