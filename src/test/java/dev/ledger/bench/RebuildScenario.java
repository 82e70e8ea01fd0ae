package dev.ledger.bench;

import dev.ledger.entitlement.EntitlementGranted;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionStatus;
import dev.ledger.projection.Rebuilds;
import dev.ledger.projection.dynamodb.EntitlementTable;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import dev.ledger.support.TestDynamoDb;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Scenario 2: an in-place rebuild of the DynamoDB projection from {@code bench.rebuildEvents} events over
 * {@code bench.rebuildEntitlements} entitlements, against the ceiling of reading the same events sequentially with
 * plain JDBC and deserializing their payloads.
 */
final class RebuildScenario implements Scenario {

    static final String NAME = "rebuild";
    private static final String METHOD = """
            A ledger instance starts on a fresh database; both streaming processors (entitlement-table and \
            usage-history) are stopped, and `bench.rebuildEvents` events are written straight into the event table in \
            the store's format (serialized with the application's serializer, JDBC batches): per entitlement one \
            EntitlementGranted and then UsageConsumed events, the entitlements interleaved round-robin in the global \
            order, so every batch of the processor touches many entitlements. After VACUUM ANALYZE, the ceiling reads \
            the whole table once in global order with plain JDBC (fetch size 1,000) and deserializes every payload \
            with the same serializer. Then the rebuild is started as an operator does (Rebuilds.rebuild: new \
            generation, every claim held, one pass over the event store that writes each item once, processor \
            resumed; the table created empty at startup; ADR 0014) and timed until the projection has caught up \
            (not replaying, lag 0, RUNNING). The processor was stopped while the events were written, so it is as \
            far behind as it can be: the rebuild must also bring it to the head. usage-history stays stopped, so the rebuild has the machine to itself, as the ceiling \
            did. Caches: one unmeasured read first, then `bench.repetitions` rounds of the ceiling and the rebuild, \
            the order alternated each round, all on the same warm caches (the events fit in memory); the figure is \
            the median of the rounds' ratios. Then the usage history is rebuilt as an operator does (one pass \
            since issue 18, a replay before) and timed until caught up, against the median ceiling. The item writes of the last round \
            are compared with the entitlements counted in the event store. Rate = events / seconds for both; \
            ratio = rebuild / ceiling.""";
    private static final String KEY = "BENCH_USAGE";
    private static final long LIMIT = 1_000_000_000_000L;

    /** Where the plain read leaves a checksum of what it deserialized, so that the work cannot be skipped. */
    static volatile long sink;

    private final BenchSettings settings;

    RebuildScenario(BenchSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void run(Report report) throws Exception {
        report.method(NAME, METHOD);
        int events = settings.rebuildEvents();
        int entitlements = settings.rebuildEntitlements();
        List<EntitlementId> keys = new ArrayList<>(entitlements);
        for (int i = 0; i < entitlements; i++) {
            keys.add(EntitlementId.of(String.format(Locale.ROOT, "bench-rebuild-user-%06d", i), KEY));
        }
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (DynamoDbClient dynamo = Clients.dynamo(TestDynamoDb.endpoint());
                ConfigurableApplicationContext app =
                        LedgerInstances.start(database, "ledger.environment=bench-rebuild")) {
            Rebuilds rebuilds = app.getBean(Rebuilds.class);
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
            Serializer serializer = app.getBean(Serializer.class);
            awaitTokens(jdbc);
            for (Projection projection : Projection.values()) {
                rebuilds.processor(projection.processor()).shutdownAsync().join();
            }

            report.log("rebuild: writing " + events + " events over " + entitlements + " entitlements");
            long start = System.nanoTime();
            append(database, serializer, keys, events);
            jdbc.execute("VACUUM ANALYZE domain_event_entry");
            report.detail(NAME, "setupAppendSeconds", IngestScenario.seconds(System.nanoTime() - start));

            report.log("rebuild: warm-up read, not measured (every side then runs on the same warm caches)");
            long warm = plainRead(database, serializer);
            report.check(NAME, "the warm-up read saw every event", warm == events, warm + " of " + events);

            List<Double> ceilingRates = new ArrayList<>();
            List<Double> rebuildRates = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            Double writesBefore = counter(app, "ledger.projection.writes");
            Double itemWrites = null;
            double rebuildSeconds = 0;
            ProjectionStatus.Status done = null;
            long generation = 0;
            for (int round = 1; round <= settings.repetitions(); round++) {
                double ceilingRate = 0;
                double rebuildRate = 0;
                // the order alternates: the ceiling first in odd rounds, the rebuild first in even ones
                for (int step = 0; step < 2; step++) {
                    boolean ceilingNow = (step == 0) == (round % 2 == 1);
                    if (ceilingNow) {
                        report.log("rebuild: round " + round + ", ceiling: plain JDBC read with deserialization");
                        start = System.nanoTime();
                        long read = plainRead(database, serializer);
                        ceilingRate = read / ((System.nanoTime() - start) / 1e9);
                        report.check(
                                NAME,
                                "round " + round + ": the plain read saw every event",
                                read == events,
                                read + " of " + events);
                    } else {
                        report.log("rebuild: round " + round + ", rebuilding the DynamoDB projection");
                        Double before = counter(app, "ledger.projection.writes");
                        start = System.nanoTime();
                        generation = rebuilds.rebuild(Projection.DYNAMODB, "bench", Duration.ofMinutes(2));
                        done = awaitRebuilt(app, report, Projection.DYNAMODB, generation);
                        rebuildSeconds = (System.nanoTime() - start) / 1e9;
                        rebuildRate = events / rebuildSeconds;
                        itemWrites = difference(counter(app, "ledger.projection.writes"), before);
                        report.check(
                                NAME,
                                "round " + round + ": the rebuild caught up",
                                done != null,
                                done == null ? "stalled" : null);
                    }
                }
                ceilingRates.add(ceilingRate);
                rebuildRates.add(rebuildRate);
                ratios.add(rebuildRate / ceilingRate);
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("ceilingEventsPerSecond", Percentiles.round(ceilingRate));
                detail.put("rebuildEventsPerSecond", Percentiles.round(rebuildRate));
                detail.put("order", round % 2 == 1 ? "ceiling, rebuild" : "rebuild, ceiling");
                detail.put("generation", generation);
                detail.put("itemWrites", itemWrites);
                report.detail(NAME, "round " + round, detail);
            }
            double ceilingMedian = IngestScenario.median(ceilingRates);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("events", events);
            detail.put("entitlements", entitlements);
            detail.put("finalStatus", done == null ? null : done.toString());
            for (String property : List.of(
                    "axon.eventhandling.processors.entitlement-table.batch-size",
                    "axon.eventhandling.processors.entitlement-table.initial-segment-count",
                    "axon.eventhandling.processors.entitlement-table.thread-count",
                    "axon.eventhandling.processors.usage-history.batch-size",
                    "axon.eventhandling.processors.usage-history.initial-segment-count",
                    "ledger.dynamodb.write-parallelism")) {
                detail.put(property, app.getEnvironment().getProperty(property));
            }
            report.detail(NAME, "rebuild", detail);
            report.repeatedFigure(
                    NAME,
                    "rebuild of the DynamoDB projection from " + events + " events over " + entitlements
                            + " entitlements",
                    IngestScenario.median(rebuildRates),
                    "events/s",
                    "plain JDBC sequential read + payload deserialization (ceiling), same caches",
                    ceilingMedian,
                    IngestScenario.median(ratios),
                    "rebuild / ceiling",
                    ratios.size() + " rounds, order alternated: "
                            + ratios.stream()
                                    .map(r -> String.format(Locale.ROOT, "%.2f", r))
                                    .toList());
            if (done != null) {
                verifyItems(report, dynamo, app.getBean(EntitlementTable.class).name(), keys, events, generation);
            }

            report.log("rebuild: the usage history, by replay");
            long historyRows = jdbc.queryForObject("SELECT count(*) FROM usage_history", Long.class);
            start = System.nanoTime();
            long historyGeneration = rebuilds.rebuild(Projection.HISTORY, "bench", Duration.ofMinutes(2));
            ProjectionStatus.Status history = awaitRebuilt(app, report, Projection.HISTORY, historyGeneration);
            double historySeconds = (System.nanoTime() - start) / 1e9;
            Long rows = jdbc.queryForObject("SELECT count(*) FROM usage_history", Long.class);
            report.check(
                    NAME,
                    "the history rebuild wrote one row per event",
                    history != null && rows != null && rows == events,
                    rows + " rows for " + events + " events (" + historyRows + " before)");
            report.figure(
                    NAME,
                    "rebuild of the usage history (as the operator starts it) from " + events + " events",
                    history == null ? null : events / historySeconds,
                    "events/s",
                    "the same ceiling (median of the rounds)",
                    ceilingMedian,
                    "history rebuild / ceiling");

            Long distinct = jdbc.queryForObject(
                    "SELECT count(DISTINCT aggregate_identifier) FROM domain_event_entry", Long.class);
            if (itemWrites != null && done != null && distinct != null) {
                report.figure(
                        NAME,
                        "rebuild: item writes of the last round",
                        itemWrites,
                        "writes",
                        "entitlements in the event store (the fewest writes that can rebuild every item)",
                        distinct.doubleValue(),
                        "writes / entitlements");
            }
            report.log("rebuild: " + Report.number(IngestScenario.median(rebuildRates)) + " events/s, ceiling "
                    + Report.number(ceilingMedian) + " events/s");

            // what the rebuild is bound by: conditional item writes, as many at once as the projection issues
            int parallelism = app.getEnvironment()
                            .getProperty(
                                    "axon.eventhandling.processors.entitlement-table.thread-count", Integer.class, 1)
                    * app.getEnvironment().getProperty("ledger.dynamodb.write-parallelism", Integer.class, 1);
            int writes = Math.max(1_000, Math.min(20_000, itemWrites == null ? events : itemWrites.intValue()));
            report.log("rebuild: ceiling of the write side, " + writes + " conditional UpdateItems, " + parallelism
                    + " at once");
            double writeCeiling =
                    rawWrites(dynamo, app.getBean(EntitlementTable.class).name(), writes, parallelism);
            if (itemWrites != null && done != null) {
                report.figure(
                        NAME,
                        "rebuild: item writes to DynamoDB (" + itemWrites.longValue() + " for " + events + " events)",
                        itemWrites / rebuildSeconds,
                        "writes/s",
                        "raw conditional UpdateItem rate of dynalite, same parallelism (write ceiling)",
                        writeCeiling,
                        "rebuild / write ceiling");
            }
        }
    }

    /**
     * Issues {@code writes} conditional UpdateItems (SET of a counter and a version under a condition on the version
     * that always holds) to 1,000 items of their own in {@code table}, {@code parallelism} at once; @return writes per second
     */
    private static double rawWrites(DynamoDbClient dynamo, String table, int writes, int parallelism)
            throws InterruptedException {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallelism);
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        long start = System.nanoTime();
        for (int t = 0; t < parallelism; t++) {
            pool.execute(() -> {
                for (int i = next.getAndIncrement(); i < writes; i = next.getAndIncrement()) {
                    String user = "bench-write-ceiling-" + (i % 1000);
                    String version = Integer.toString(i);
                    try {
                        dynamo.updateItem(r -> r.tableName(table)
                                .key(Map.of(
                                        "userId",
                                        AttributeValue.fromS(user),
                                        "entitlementKey",
                                        AttributeValue.fromS(KEY)))
                                .updateExpression("SET #c = if_not_exists(#c, :zero) + :one, #v = :v")
                                .conditionExpression("attribute_not_exists(#v) OR #v <> :v")
                                .expressionAttributeNames(Map.of("#c", "usageCount", "#v", "version"))
                                .expressionAttributeValues(Map.of(
                                        ":zero",
                                        AttributeValue.fromN("0"),
                                        ":one",
                                        AttributeValue.fromN("1"),
                                        ":v",
                                        AttributeValue.fromN(version))));
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                }
            });
        }
        pool.shutdown();
        if (!pool.awaitTermination(30, java.util.concurrent.TimeUnit.MINUTES)) {
            pool.shutdownNow();
            throw new IllegalStateException("the write ceiling did not finish in 30 minutes");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failed.get() > writes / 100) {
            throw new IllegalStateException(failed.get() + " of " + writes + " raw writes failed");
        }
        return (writes - failed.get()) / seconds;
    }

    /** The processors create their tokens when they first start; the rebuild resets those. */
    private static void awaitTokens(JdbcTemplate jdbc) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (Projection projection : Projection.values()) {
            while (countTokens(jdbc, projection) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("processor " + projection.processor() + " created no tokens");
                }
                Thread.sleep(100);
            }
        }
    }

    private static long countTokens(JdbcTemplate jdbc, Projection projection) {
        Long count = jdbc.queryForObject(
                "SELECT count(*) FROM token_entry WHERE processor_name = ?", Long.class, projection.processor());
        return count == null ? 0 : count;
    }

    /** Grants first (sequence 0), then usage, entitlements interleaved round-robin: event i is entitlement i % E. */
    static void append(TestDatabase.Database database, Serializer serializer, List<EntitlementId> keys, int events)
            throws SQLException {
        int entitlements = keys.size();
        Instant base = Instant.now().minusSeconds(events / 1000 + 3600L).truncatedTo(ChronoUnit.SECONDS);
        UsagePolicy policy = new UsagePolicy(LIMIT, Period.NONE, null, OverLimit.REJECT);
        try (EventAppender appender = new EventAppender(database, serializer)) {
            for (int i = 0; i < events; i++) {
                EntitlementId id = keys.get(i % entitlements);
                int sequence = i / entitlements;
                Instant at = base.plusMillis(i);
                Object payload = sequence == 0
                        ? new EntitlementGranted(id.userId(), id.entitlementKey(), true, policy, base, null, base)
                        : new UsageConsumed(
                                id.userId(),
                                id.entitlementKey(),
                                1,
                                at,
                                base,
                                null,
                                (long) sequence,
                                LIMIT,
                                false,
                                "rebuild-" + i,
                                null,
                                Map.of("source", "bench"));
                appender.append(id, sequence, payload, at);
            }
        }
    }

    /** Events of entitlement {@code index} when {@code events} are dealt round-robin over {@code entitlements}. */
    static int eventsOf(int index, int events, int entitlements) {
        return events / entitlements + (index < events % entitlements ? 1 : 0);
    }

    /** Reads every event in global order and deserializes its payload; @return how many were read */
    static long plainRead(TestDatabase.Database database, Serializer serializer) throws SQLException {
        try (Connection connection = database.connect()) {
            connection.setAutoCommit(false); // the driver only streams with a fetch size inside a transaction
            try (PreparedStatement statement = connection.prepareStatement("SELECT global_index, payload_type, "
                    + "payload_revision, payload FROM domain_event_entry ORDER BY global_index")) {
                statement.setFetchSize(1_000);
                long count = 0;
                long checksum = 0;
                try (ResultSet rs = statement.executeQuery()) {
                    while (rs.next()) {
                        Object payload = serializer.deserialize(new SimpleSerializedObject<>(
                                rs.getBytes(4), byte[].class, rs.getString(2), rs.getString(3)));
                        checksum += payload.hashCode();
                        count++;
                    }
                }
                sink = checksum;
                return count;
            } finally {
                connection.rollback();
            }
        }
    }

    /** Waits until the projection runs the new generation and has caught up; null when it stopped moving. */
    private ProjectionStatus.Status awaitRebuilt(
            ConfigurableApplicationContext app, Report report, Projection projection, long generation)
            throws InterruptedException {
        ProjectionStatus status = app.getBean(ProjectionStatus.class);
        long lastProgress = System.nanoTime();
        long lastLog = System.nanoTime();
        long position = Long.MIN_VALUE;
        while (true) {
            ProjectionStatus.Status current = status.of(projection);
            if (current.generation() == generation && CatchUp.caughtUp(current)) {
                return current;
            }
            if (current.position() != position) {
                position = current.position();
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress
                    > Duration.ofSeconds(settings.stallSeconds()).toNanos()) {
                report.log("rebuild: no progress for " + settings.stallSeconds() + " s: " + current);
                return null;
            }
            if (System.nanoTime() - lastLog > Duration.ofSeconds(15).toNanos()) {
                report.log("rebuild: position " + current.position() + " of " + current.head() + " (" + current.state()
                        + ")");
                lastLog = System.nanoTime();
            }
            Thread.sleep(250);
        }
    }

    private static void verifyItems(
            Report report, DynamoDbClient dynamo, String table, List<EntitlementId> keys, int events, long generation) {
        List<Map<String, AttributeValue>> items = Items.read(dynamo, table, keys);
        int wrong = 0;
        String example = null;
        for (int i = 0; i < keys.size(); i++) {
            int own = eventsOf(i, events, keys.size());
            Map<String, AttributeValue> item = items.get(i);
            boolean right = Items.number(item, Items.USAGE_COUNT) == own - 1
                    && Items.number(item, Items.VERSION) == own - 1
                    && Items.number(item, Items.GENERATION) == generation;
            if (!right) {
                wrong++;
                if (example == null) {
                    example = keys.get(i) + ": " + item;
                }
            }
        }
        report.check(
                NAME,
                "every item shows its entitlement's events: usageCount, version and the new generation",
                wrong == 0,
                wrong + " of " + keys.size() + " items wrong" + (example == null ? "" : ", e.g. " + example));
    }

    private static Double counter(ConfigurableApplicationContext app, String name) {
        // the primary registry: Boot's composite of every registry when there are several
        MeterRegistry registry = app.getBean(MeterRegistry.class);
        FunctionCounter counter = registry.find(name).functionCounter();
        return counter == null ? null : counter.count();
    }

    private static Double difference(Double after, Double before) {
        return after == null || before == null ? null : after - before;
    }
}
