package dev.ledger.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledger.entitlement.ChangeUsagePolicy;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.Consumption;
import dev.ledger.entitlement.DeactivateEntitlement;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.RejectionReason;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two application instances, each with its own connection pool and command bus, write the same entitlements at the
 * same time. Optimistic locking on {@code (aggregate_identifier, sequence_number)} plus retries must give exact totals;
 * the entitlement row lock (ADR 0015) makes the instances take turns instead of colliding, so no append is rolled back
 * and the global index has no gaps.
 */
class TwoInstancesTest {

    private static TestDatabase.Database database;
    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;

    @BeforeAll
    static void startTwoInstances() {
        database = TestDatabase.newDatabase();
        // generous retries: 16 writers fight over one aggregate on purpose
        first = LedgerInstances.start(
                database, "ledger.eventstore.command-retries=50", "ledger.eventstore.retry-backoff=5ms");
        second = LedgerInstances.start(
                database, "ledger.eventstore.command-retries=50", "ledger.eventstore.retry-backoff=5ms");
    }

    @AfterAll
    static void stop() {
        second.close();
        first.close();
    }

    @Test
    void concurrent_usage_from_two_instances_on_one_entitlement_is_counted_exactly() throws Exception {
        EntitlementId id = EntitlementId.of("race-user", "AI_TUTOR_ACCESS");
        first.getBean(Ledger.class)
                .send(
                        id,
                        new GrantEntitlement(
                                id,
                                true,
                                new UsagePolicy(1_000_000, Period.NONE, null, OverLimit.REJECT),
                                Instant.now()),
                        Map.of());

        // 16 threads over two instances on one entitlement: at this size every run has appends that would collide
        // without the row lock (removing its FOR UPDATE fails the gap check below)
        int perInstance = 150;
        List<Future<Consumption>> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (int i = 0; i < perInstance; i++) {
                int n = i;
                results.add(pool.submit(() -> first.getBean(Ledger.class)
                        .consume(new ConsumeUsage(id, 1 + n % 3, Instant.now(), "a-" + n, Map.of(), null))));
                results.add(pool.submit(() -> second.getBean(Ledger.class)
                        .consume(new ConsumeUsage(id, 1 + n % 3, Instant.now(), "b-" + n, Map.of(), null))));
            }
            for (Future<Consumption> result : results) {
                assertThat(result.get(2, TimeUnit.MINUTES)).isEqualTo(Consumption.COUNTED);
            }
        } finally {
            pool.shutdownNow();
        }

        long expected = 2L
                * java.util.stream.IntStream.range(0, perInstance)
                        .mapToLong(n -> 1 + n % 3)
                        .sum();
        assertThat(second.getBean(EntitlementStates.class)
                        .find(id)
                        .orElseThrow()
                        .used())
                .isEqualTo(expected);
        assertThat(eventCount(id)).isEqualTo(1 + 2L * perInstance);
        // a rolled-back append leaves its global index unused: count the unused ones while this test wrote
        try (var connection = database.connect();
                var statement = connection.prepareStatement("""
                SELECT count(*) FROM generate_series(
                    (SELECT min(global_index) FROM domain_event_entry WHERE aggregate_identifier = ?),
                    (SELECT max(global_index) FROM domain_event_entry WHERE aggregate_identifier = ?)) AS s
                WHERE NOT EXISTS (SELECT 1 FROM domain_event_entry e WHERE e.global_index = s)""")) {
            statement.setString(1, id.toString());
            statement.setString(2, id.toString());
            try (var rs = statement.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1))
                        .as("gaps in the global index from rolled-back appends")
                        .isZero();
            }
        }
    }

    @Test
    void the_same_dedup_keys_sent_to_both_instances_at_once_are_counted_once() throws Exception {
        EntitlementId id = EntitlementId.of("dup-race-user", "AI_TUTOR_ACCESS");
        first.getBean(Ledger.class)
                .send(
                        id,
                        new GrantEntitlement(
                                id,
                                true,
                                new UsagePolicy(1_000_000, Period.NONE, null, OverLimit.REJECT),
                                Instant.now()),
                        Map.of());

        int keys = 100;
        List<Future<Consumption>> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (int i = 0; i < keys; i++) {
                ConsumeUsage command = new ConsumeUsage(id, 1, Instant.now(), "same-" + i, Map.of(), null);
                results.add(pool.submit(() -> first.getBean(Ledger.class).consume(command)));
                results.add(pool.submit(() -> second.getBean(Ledger.class).consume(command)));
            }
            long counted = 0;
            for (Future<Consumption> result : results) {
                if (result.get(2, TimeUnit.MINUTES) == Consumption.COUNTED) {
                    counted++;
                }
            }
            assertThat(counted).isEqualTo(keys);
        } finally {
            pool.shutdownNow();
        }
        assertThat(first.getBean(EntitlementStates.class).find(id).orElseThrow().used())
                .isEqualTo(keys);
        assertThat(eventCount(id)).isEqualTo(1 + keys);
    }

    @Test
    void an_instance_that_cached_an_entitlement_decides_on_changes_made_by_the_other_instance() throws Exception {
        EntitlementId id = EntitlementId.of("stale-cache-user", "AI_TUTOR_ACCESS");
        Ledger a = first.getBean(Ledger.class);
        Ledger b = second.getBean(Ledger.class);
        a.send(
                id,
                new GrantEntitlement(id, true, new UsagePolicy(2, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                Map.of());
        // both instances now hold the entitlement in their caches, at a limit of 2 with 1 used
        assertThat(a.consume(new ConsumeUsage(id, 1, Instant.now(), "stale-1", Map.of(), null)))
                .isEqualTo(Consumption.COUNTED);
        assertThat(b.consume(new ConsumeUsage(id, 1, Instant.now(), "stale-2", Map.of(), null)))
                .isEqualTo(Consumption.COUNTED);

        // b raises the limit; a's cached copy still says 2 of 2 used, so a stale decision would reject
        b.send(
                id,
                new ChangeUsagePolicy(id, new UsagePolicy(10, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                Map.of());
        assertThat(a.consume(new ConsumeUsage(id, 3, Instant.now(), "stale-3", Map.of(), null)))
                .isEqualTo(Consumption.COUNTED);

        // b deactivates; a's cached copy (refreshed by the last command) says active, so a stale decision would count
        b.send(id, new DeactivateEntitlement(id, Instant.now()), Map.of());
        assertThatThrownBy(() -> a.consume(new ConsumeUsage(id, 1, Instant.now(), "stale-4", Map.of(), null)))
                .isInstanceOfSatisfying(
                        EntitlementRejection.class,
                        rejection -> assertThat(rejection.reason()).isEqualTo(RejectionReason.ENTITLEMENT_INACTIVE));

        assertThat(first.getBean(EntitlementStates.class).find(id).orElseThrow().used())
                .isEqualTo(5);
        assertThat(eventCount(id)).isEqualTo(6); // grant, 3 usages, policy change, deactivation
    }

    private static long eventCount(EntitlementId id) throws Exception {
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT count(*), max(sequence_number) FROM domain_event_entry "
                        + "WHERE aggregate_identifier = '" + id.toString().replace("'", "''") + "'")) {
            rs.next();
            assertThat(rs.getLong(2)).as("sequence numbers are dense").isEqualTo(rs.getLong(1) - 1);
            return rs.getLong(1);
        }
    }
}
