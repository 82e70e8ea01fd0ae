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
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Shutdown in the middle of a stream of messages: nothing is lost and nothing is counted twice. */
class WorkerLifecycleTest {

    @Test
    void a_shutdown_mid_stream_followed_by_a_restart_counts_every_message_exactly_once() {
        TestDatabase.Database database = TestDatabase.newDatabase();
        EntitlementId id = EntitlementId.of("shutdown-user", "AI_TUTOR_ACCESS");
        int messages = 1_000;

        ConfigurableApplicationContext first = LedgerInstances.start(database, "ledger.environment=shutdown");
        SqsTestClient producer = new SqsTestClient(first.getBean(SqsAsyncClient.class), first.getBean(Queues.class));
        first.getBean(Ledger.class)
                .send(
                        id,
                        new GrantEntitlement(
                                id,
                                true,
                                new UsagePolicy(1_000_000, Period.NONE, null, OverLimit.REJECT),
                                Instant.now()),
                        Map.of());
        for (int batch = 0; batch < messages / 10; batch++) {
            producer.sendBatch(IntStream.range(0, 10)
                    .mapToObj(i -> "{\"userId\":\"shutdown-user\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}")
                    .toList());
        }
        EntitlementStates firstStates = first.getBean(EntitlementStates.class);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> firstStates.find(id).orElseThrow().used() >= 50);
        Map<QueueAttributeName, String> queue = first.getBean(SqsAsyncClient.class)
                .getQueueAttributes(r -> r.queueUrl(first.getBean(Queues.class).queueUrl())
                        .attributeNames(
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                .join()
                .attributes();
        first.close();
        assertThat(Long.parseLong(queue.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)))
                .as("messages in flight when the context closed")
                .isPositive();
        long countedBeforeRestart = new JdbcTemplate(dataSource(database))
                        .queryForObject(
                                "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier = ?",
                                Long.class,
                                id.toString())
                - 1;
        assertThat(countedBeforeRestart)
                .as("counted before the shutdown: some, not all")
                .isBetween(50L, messages - 1L);

        try (ConfigurableApplicationContext second = LedgerInstances.start(database, "ledger.environment=shutdown")) {
            EntitlementStates states = second.getBean(EntitlementStates.class);
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> states.find(id).orElseThrow().used() == messages);
            JdbcTemplate jdbc = second.getBean(JdbcTemplate.class);
            assertThat(jdbc.queryForObject(
                            "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier = ?",
                            Long.class,
                            id.toString()))
                    .isEqualTo(messages + 1L);
            assertThat(new SqsTestClient(second.getBean(SqsAsyncClient.class), second.getBean(Queues.class))
                            .drainDeadLetters(Duration.ofSeconds(2)))
                    .isEmpty();
        }
    }

    private static javax.sql.DataSource dataSource(TestDatabase.Database database) {
        var ds = new org.springframework.jdbc.datasource.DriverManagerDataSource(
                database.url(), database.username(), database.password());
        return ds;
    }
}
