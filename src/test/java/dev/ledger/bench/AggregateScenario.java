package dev.ledger.bench;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.Consumption;
import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.projection.Projection;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.axonframework.serialization.Serializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Scenario 4: the latency of a command on an entitlement with 10 events and on one with
 * {@code bench.aggregateEvents}, with snapshots on (the default configuration).
 */
final class AggregateScenario implements Scenario {

    static final String NAME = "aggregate";
    private static final String METHOD = """
            A ledger instance on a fresh database with its default configuration (snapshots every \
            ledger.eventstore.snapshot-threshold events, built off the command thread) except that the entitlement \
            cache is off (ledger.eventstore.cache-size=0), so every command loads its entitlement from the latest \
            snapshot and the events after it, as it does after a cache miss. The small entitlement is \
            granted and used 9 times through commands (10 events). The large one gets `bench.aggregateEvents` events \
            (a grant and usage) written straight into the event table in the store's format, plus its \
            entitlement_state row, as SnapshotTest does; the projections are then allowed to catch up, so that they \
            do not compete with the commands. One command on the large entitlement loads its whole history (reported \
            as the cold command) and triggers a snapshot, which is awaited. Then 20 warm-up commands each, then \
            `bench.aggregateCommands` ConsumeUsage commands each, alternating between the two, timed in the caller \
            around Ledger.consume (load, decide, append, commit, subscribing state projection). Ratio = large / \
            small.""";
    private static final String KEY = "BENCH_USAGE";
    private static final long LIMIT = 1_000_000_000_000L;
    private static final int WARM_UP = 20;

    private final BenchSettings settings;

    AggregateScenario(BenchSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void run(Report report) throws Exception {
        report.method(NAME, METHOD);
        int largeEvents = settings.aggregateEvents();
        int commands = settings.aggregateCommands();
        EntitlementId small = EntitlementId.of("bench-small-user", KEY);
        EntitlementId large = EntitlementId.of("bench-large-user", KEY);
        UsagePolicy policy = new UsagePolicy(LIMIT, Period.NONE, null, OverLimit.REJECT);
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (ConfigurableApplicationContext app = LedgerInstances.start(
                database, "ledger.environment=bench-aggregate", "ledger.eventstore.cache-size=0")) {
            Ledger ledger = app.getBean(Ledger.class);
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            ledger.send(small, new GrantEntitlement(small, true, policy, Instant.now()), Map.of());
            for (int i = 0; i < 9; i++) {
                ledger.consume(new ConsumeUsage(small, 1, Instant.now(), "small-" + i, Map.of(), null));
            }
            report.log("aggregate: writing " + largeEvents + " events of the large entitlement");
            appendHistory(database, app.getBean(Serializer.class), jdbc, large, largeEvents, policy);
            Duration catchUp = CatchUp.await(app, Duration.ofMinutes(30), Projection.DYNAMODB, Projection.HISTORY);
            report.detail(NAME, "projectionCatchUpSeconds", IngestScenario.seconds(catchUp.toNanos()));

            long start = System.nanoTime();
            Consumption cold = ledger.consume(new ConsumeUsage(large, 1, Instant.now(), "cold", Map.of(), null));
            double coldMillis = (System.nanoTime() - start) / 1e6;
            Long snapshot = awaitSnapshot(jdbc, large, Duration.ofMinutes(5));
            report.check(
                    NAME, "a snapshot of the large entitlement was taken", snapshot != null, "at sequence " + snapshot);

            double[] smallMillis = new double[commands];
            double[] largeMillis = new double[commands];
            int notCounted = cold == Consumption.COUNTED ? 0 : 1;
            for (int i = -WARM_UP; i < commands; i++) {
                long t0 = System.nanoTime();
                Consumption a = ledger.consume(new ConsumeUsage(small, 1, Instant.now(), "timed-" + i, Map.of(), null));
                long t1 = System.nanoTime();
                Consumption b = ledger.consume(new ConsumeUsage(large, 1, Instant.now(), "timed-" + i, Map.of(), null));
                long t2 = System.nanoTime();
                notCounted += (a == Consumption.COUNTED ? 0 : 1) + (b == Consumption.COUNTED ? 0 : 1);
                if (i >= 0) {
                    smallMillis[i] = (t1 - t0) / 1e6;
                    largeMillis[i] = (t2 - t1) / 1e6;
                }
            }
            report.check(NAME, "every command was counted", notCounted == 0, notCounted + " not counted");
            long smallUsed = used(jdbc, small);
            long largeUsed = used(jdbc, large);
            long expectedSmall = 9L + WARM_UP + commands;
            long expectedLarge = (largeEvents - 1L) + 1 + WARM_UP + commands;
            report.check(
                    NAME,
                    "the state shows every unit: small " + expectedSmall + ", large " + expectedLarge,
                    smallUsed == expectedSmall && largeUsed == expectedLarge,
                    "small " + smallUsed + ", large " + largeUsed);

            Percentiles.Summary smallSummary = Percentiles.of(smallMillis);
            Percentiles.Summary largeSummary = Percentiles.of(largeMillis);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("snapshotThreshold", app.getEnvironment().getProperty("ledger.eventstore.snapshot-threshold"));
            detail.put("largeEvents", largeEvents);
            detail.put("commandsEach", commands);
            detail.put("coldCommandMillis", Percentiles.round(coldMillis));
            detail.put("snapshotSequence", snapshot);
            detail.put("smallMillis", smallSummary.toMap());
            detail.put("largeMillis", largeSummary.toMap());
            report.detail(NAME, "commands", detail);
            for (String p : List.of("p50", "p95", "p99")) {
                report.figure(
                        NAME,
                        "ConsumeUsage latency " + p + ", entitlement with " + largeEvents + " events (snapshots on)",
                        IngestScenario.pick(largeSummary, p),
                        "ms",
                        "entitlement with 10 events",
                        IngestScenario.pick(smallSummary, p),
                        "large / small");
            }
            report.figure(
                    NAME,
                    "first command on the entitlement with " + largeEvents + " events (no snapshot yet)",
                    coldMillis,
                    "ms",
                    "p50 on the entitlement with 10 events",
                    smallSummary.p50(),
                    "cold / small p50");
            report.log("aggregate: p50 small " + Report.number(smallSummary.p50()) + " ms, large "
                    + Report.number(largeSummary.p50()) + " ms, cold " + Report.number(coldMillis) + " ms");
        }
    }

    /** Grant plus usage, straight into the event table, and the state row the subscribing projector keeps. */
    private static void appendHistory(
            TestDatabase.Database database,
            Serializer serializer,
            JdbcTemplate jdbc,
            EntitlementId id,
            int events,
            UsagePolicy policy)
            throws Exception {
        Instant start = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
        try (EventAppender appender = new EventAppender(database, serializer)) {
            appender.append(
                    id,
                    0,
                    new EntitlementGranted(id.userId(), id.entitlementKey(), true, policy, start, null, start),
                    start);
            for (int sequence = 1; sequence < events; sequence++) {
                Instant at = start.plusMillis(sequence);
                appender.append(
                        id,
                        sequence,
                        new UsageConsumed(
                                id.userId(),
                                id.entitlementKey(),
                                1,
                                at,
                                start,
                                null,
                                (long) sequence,
                                LIMIT,
                                false,
                                "history-" + sequence,
                                null,
                                Map.of()),
                        at);
            }
        }
        jdbc.update(
                "INSERT INTO entitlement_state (entitlement_id, user_id, entitlement_key, active, usage_limit, "
                        + "period, over_limit, used, period_start, version, updated_at) "
                        + "VALUES (?, ?, ?, true, ?, 'NONE', 'REJECT', ?, ?, ?, now())",
                id.toString(),
                id.userId(),
                id.entitlementKey(),
                LIMIT,
                events - 1L,
                Timestamp.from(start),
                events - 1L);
    }

    private static Long awaitSnapshot(JdbcTemplate jdbc, EntitlementId id, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Long sequence = jdbc.queryForObject(
                    "SELECT max(sequence_number) FROM snapshot_event_entry " + "WHERE aggregate_identifier = ?",
                    Long.class,
                    id.toString());
            if (sequence != null) {
                return sequence;
            }
            Thread.sleep(200);
        }
        return null;
    }

    private static long used(JdbcTemplate jdbc, EntitlementId id) {
        Long used = jdbc.queryForObject(
                "SELECT used FROM entitlement_state WHERE entitlement_id = ?", Long.class, id.toString());
        return used == null ? -1 : used;
    }
}
