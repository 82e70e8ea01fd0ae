package dev.ledger.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.intake.Queues;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * {@code ledger.projection.delay}: each projection times every usage that came from SQS, from the message's
 * {@code SentTimestamp} until it applied the usage, once. It runs on the application of {@link WholeProjectionTest}:
 * one test stops its DynamoDB, and one rebuilds the history (which replays every class's events).
 */
@WholeProjectionTest
class ProjectionDelayTest {

    private static final String TABLE = "entitlement-table";
    private static final String HISTORY = "usage-history";

    @Autowired
    ApplicationContext app;

    @Autowired
    Ledger ledger;

    @Autowired
    JdbcTemplate jdbc;

    /**
     * The registry Prometheus scrapes. The application's {@code MeterRegistry} is a composite that also feeds CloudWatch,
     * and a composite timer's count is its first child's, in no set order: CloudWatch's counts only move once a step.
     */
    @Autowired
    PrometheusMeterRegistry meters;

    @Autowired
    Rebuilds rebuilds;

    @Autowired
    SqsAsyncClient sqs;

    @Autowired
    Queues queues;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void each_usage_from_sqs_is_timed_once_by_each_projection_and_carries_its_sent_timestamp() throws Exception {
        EntitlementId id = grant("delay-user");
        long tableBefore = count(TABLE);
        long historyBefore = count(HISTORY);

        long sendStart = System.currentTimeMillis();
        send(id, 10);
        long sendEnd = System.currentTimeMillis();
        awaitApplied(id, 11);
        awaitCounts(tableBefore + 10, historyBefore + 10);

        // the grant came from no message: only the ten usages were timed, each once
        assertThat(count(TABLE)).isEqualTo(tableBefore + 10);
        assertThat(count(HISTORY)).isEqualTo(historyBefore + 10);
        for (String processor : List.of(TABLE, HISTORY)) {
            assertThat(timer(processor).max(TimeUnit.MILLISECONDS))
                    .as(processor)
                    .isGreaterThan(0)
                    .isLessThan(60_000);
        }
        // the name the benchmark and the dashboards read, with the buckets of a percentile histogram
        assertThat(meters.scrape())
                .contains("ledger_projection_delay_seconds_count{processor=\"entitlement-table\"}")
                .contains("ledger_projection_delay_seconds_count{processor=\"usage-history\"}")
                .contains("ledger_projection_delay_seconds_bucket{");
        List<JsonNode> metaData = new ArrayList<>();
        for (String m : jdbc.queryForList(
                "SELECT convert_from(meta_data, 'UTF8') FROM domain_event_entry WHERE aggregate_identifier = ? "
                        + "AND payload_type = 'dev.ledger.entitlement.UsageConsumed'",
                String.class,
                id.toString())) {
            metaData.add(json.readTree(m));
        }
        assertThat(metaData)
                .hasSize(10)
                .allSatisfy(m -> assertThat(m.path(Ledger.SQS_SENT_TIMESTAMP).asLong())
                        .isBetween(sendStart - 1000, sendEnd + 1000));
    }

    /**
     * With DynamoDB down, the table times nothing; once it is back, each usage's delay runs until its write was
     * acknowledged, so it covers the outage.
     */
    @Test
    void the_table_times_a_usage_until_its_write_is_acknowledged() throws Exception {
        EntitlementId id = grant("delay-outage-user");
        AppliedEverything.await(app, Projection.DYNAMODB);
        long tableBefore = count(TABLE);
        long historyBefore = count(HISTORY);

        Duration outage = Duration.ofSeconds(3);
        WholeProjection.stopDynamoDb();
        try {
            long sent = System.currentTimeMillis();
            send(id, 5);
            await().atMost(Duration.ofSeconds(60)).until(() -> count(HISTORY) >= historyBefore + 5);
            Thread.sleep(Math.max(0, sent + outage.toMillis() - System.currentTimeMillis()));
            assertThat(count(TABLE)).as("timed while DynamoDB is down").isEqualTo(tableBefore);
        } finally {
            WholeProjection.startDynamoDb();
        }

        // the processor retries with a back-off that grew during the outage
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> AppliedEverything.now(app, Projection.DYNAMODB));
        awaitApplied(id, 6);
        awaitCounts(tableBefore + 5, historyBefore + 5);
        assertThat(count(TABLE)).isEqualTo(tableBefore + 5);
        assertThat(timer(TABLE).max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(outage.toMillis());
    }

    @Test
    void a_rebuild_of_the_history_replays_the_usages_without_timing_them() {
        EntitlementId id = grant("delay-rebuild-user");
        long historyBefore = count(HISTORY);
        send(id, 5);
        awaitApplied(id, 6);
        awaitCounts(0, historyBefore + 5);

        rebuilds.rebuild(Projection.HISTORY, "test", Duration.ofSeconds(60));
        AppliedEverything.await(app, Projection.HISTORY);

        assertThat(rows(id)).as("rows after the replay").isEqualTo(6);
        assertThat(count(HISTORY)).isEqualTo(historyBefore + 5);
    }

    private EntitlementId grant(String userId) {
        EntitlementId id = EntitlementId.of(userId, "AI_TUTOR_ACCESS");
        ledger.send(
                id,
                new GrantEntitlement(
                        id, true, new UsagePolicy(1_000_000, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                Map.of());
        return id;
    }

    /** Sends {@code n} (at most 10) usages of 1 for {@code id} in one SendMessageBatch. */
    private void send(EntitlementId id, int n) {
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            entries.add(SendMessageBatchRequestEntry.builder()
                    .id(Integer.toString(i))
                    .messageBody("{\"userId\":\"" + id.userId() + "\",\"entitlementKey\":\"" + id.entitlementKey()
                            + "\",\"amount\":1}")
                    .build());
        }
        assertThat(sqs.sendMessageBatch(r -> r.queueUrl(queues.queueUrl()).entries(entries))
                        .join()
                        .failed())
                .isEmpty();
    }

    /** Waits until the history has {@code rows} rows of {@code id}, and both projections have applied every event. */
    private void awaitApplied(EntitlementId id, long rows) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> rows(id) == rows);
        AppliedEverything.await(app, Projection.DYNAMODB);
        AppliedEverything.await(app, Projection.HISTORY);
    }

    /**
     * Once the projections have applied the events: waits the moment it may take for the last batch's timing (the
     * history's runs after its commit) to show, then the timers have counted at least this many.
     */
    private void awaitCounts(long table, long history) {
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> count(TABLE) >= table && count(HISTORY) >= history);
    }

    private Timer timer(String processor) {
        Timer timer = meters.find("ledger.projection.delay")
                .tag("processor", processor)
                .timer();
        assertThat(timer).as("ledger.projection.delay of " + processor).isNotNull();
        return timer;
    }

    private long count(String processor) {
        return timer(processor).count();
    }

    private long rows(EntitlementId id) {
        return jdbc.queryForObject(
                "SELECT count(*) FROM usage_history WHERE entitlement_id = ?", Long.class, id.toString());
    }
}
