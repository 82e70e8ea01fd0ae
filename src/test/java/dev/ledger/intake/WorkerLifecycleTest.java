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
import io.awspring.cloud.sqs.listener.MessageListenerContainerRegistry;
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
        // the whole stream waits in the queue before the first instance's worker starts, and that instance is closed
        // once 50 are counted (up to ledger.sqs.concurrency, 20, in flight): mid-stream however fast it runs
        int messages = 300;

        ConfigurableApplicationContext first =
                LedgerInstances.start(database, "ledger.environment=shutdown", "ledger.sqs.listener-enabled=false");
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
        first.getBean(MessageListenerContainerRegistry.class)
                .getContainerById(UsageListener.LISTENER_ID)
                .start();
        EntitlementStates firstStates = first.getBean(EntitlementStates.class);
        await().atMost(Duration.ofSeconds(60))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20))
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
            // every message deleted, so none can still be moved to the DLQ
            SqsAsyncClient sqs = second.getBean(SqsAsyncClient.class);
            Queues queues = second.getBean(Queues.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> messagesIn(sqs, queues.queueUrl()) == 0);
            assertThat(messagesIn(sqs, queues.deadLetterQueueUrl()))
                    .as("nothing moved to the DLQ")
                    .isZero();
        }
    }

    /** Messages in a queue, visible or in flight. */
    private static long messagesIn(SqsAsyncClient sqs, String queueUrl) {
        return sqs
                .getQueueAttributes(r -> r.queueUrl(queueUrl)
                        .attributeNames(
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .join()
                .attributes()
                .values()
                .stream()
                .mapToLong(Long::parseLong)
                .sum();
    }

    private static javax.sql.DataSource dataSource(TestDatabase.Database database) {
        var ds = new org.springframework.jdbc.datasource.DriverManagerDataSource(
                database.url(), database.username(), database.password());
        return ds;
    }
}
