package dev.ledger.projection.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.projection.AppliedEverything;
import dev.ledger.projection.Projection;
import dev.ledger.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Found by the reliability suite: under concurrent writers every event must still get its history row. On the shared
 * application: the rows checked are those of this class's entitlements ({@code complete-N#REL}).
 */
@IntegrationTest
class HistoryCompletenessTest {

    /** This class's entitlements, as aggregate identifiers and history entitlement ids. */
    private static final String MINE = "complete-%#REL";

    @Autowired
    ApplicationContext app;

    @Test
    void every_event_written_by_concurrent_commands_gets_exactly_one_history_row() throws Exception {
        Ledger ledger = app.getBean(Ledger.class);
        for (int e = 0; e < 20; e++) {
            EntitlementId id = EntitlementId.of("complete-" + e, "REL");
            ledger.send(
                    id,
                    new GrantEntitlement(
                            id, true, new UsagePolicy(1_000_000, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                    Map.of());
        }
        ExecutorService pool = Executors.newFixedThreadPool(12);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            int n = i;
            futures.add(pool.submit(() -> ledger.consume(new ConsumeUsage(
                    EntitlementId.of("complete-" + (n % 20), "REL"), 1, Instant.now(), "c-" + n, Map.of(), null))));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        pool.shutdown();
        AppliedEverything.await(app, Projection.HISTORY);
        JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
        // a processor that has passed the head can still have passed an index as a gap (a commit that came late); it
        // applies it at its next look, within the poll interval
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(jdbc.queryForList(
                                "SELECT e.global_index FROM domain_event_entry e LEFT JOIN usage_history h "
                                        + "ON h.global_index = e.global_index WHERE h.global_index IS NULL "
                                        + "AND e.aggregate_identifier LIKE ? ORDER BY 1",
                                Long.class,
                                MINE))
                        .as("events without a history row")
                        .isEmpty());
        long events = jdbc.queryForObject(
                "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier LIKE ?", Long.class, MINE);
        assertThat(events).as("20 grants and 2,000 uses").isEqualTo(2_020);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM usage_history WHERE entitlement_id LIKE ?", Long.class, MINE))
                .isEqualTo(events);
    }
}
