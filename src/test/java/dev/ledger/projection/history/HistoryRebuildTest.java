package dev.ledger.projection.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.projection.AppliedEverything;
import dev.ledger.projection.Projection;
import dev.ledger.projection.Rebuilds;
import dev.ledger.projection.WholeProjectionTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A rebuild of the usage history empties the table and rewrites every row in one pass over the event store
 * ({@link HistoryRebuild}). It covers the whole table (every class's rows), so it runs on the application of
 * {@link WholeProjectionTest}, not on the shared one.
 */
@WholeProjectionTest
class HistoryRebuildTest {

    @Autowired
    ApplicationContext app;

    @Autowired
    Ledger ledger;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    Rebuilds rebuilds;

    @Test
    void a_history_rebuild_restores_the_same_rows() {
        EntitlementId id = EntitlementId.of("history-rebuild-user", "AI_TUTOR_ACCESS");
        ledger.send(
                id,
                new GrantEntitlement(
                        id, true, new UsagePolicy(100, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                Map.of());
        for (int i = 0; i < 5; i++) {
            ledger.consume(new ConsumeUsage(id, 1, Instant.now(), "hr-" + i, Map.of("i", i), null));
        }
        AppliedEverything.await(app, Projection.HISTORY);
        // every column of every row, in order: the rebuild must write what the processor wrote, at the same positions
        String query = "SELECT count(*) || ':' || md5(string_agg(h::text, '|' ORDER BY global_index)) "
                + "FROM usage_history h";
        String before = jdbc.queryForObject(query, String.class);
        jdbc.update("UPDATE usage_history SET amount = 999 WHERE entitlement_id = ?", id.toString());

        long generation = rebuilds.rebuild(Projection.HISTORY, "test", Duration.ofSeconds(60));
        assertThat(generation).isGreaterThan(1);
        assertThat(rebuilds.inOnePass(Projection.HISTORY)).isTrue();
        rebuilds.awaitBulk(Projection.HISTORY);
        AppliedEverything.await(app, Projection.HISTORY);
        assertThat(jdbc.queryForObject(query, String.class)).isEqualTo(before);
        assertThat(jdbc.queryForObject(
                        "SELECT max(amount) FROM usage_history WHERE entitlement_id = ?", Long.class, id.toString()))
                .isEqualTo(1);
    }
}
