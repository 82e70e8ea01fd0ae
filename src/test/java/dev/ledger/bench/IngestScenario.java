package dev.ledger.bench;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.PeriodCalendar;
import dev.ledger.entitlement.PeriodWindow;
import dev.ledger.entitlement.UsageConsumed;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.intake.Queues;
import dev.ledger.projection.Projection;
import dev.ledger.projection.dynamodb.EntitlementTable;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import dev.ledger.support.TestDynamoDb;
import dev.ledger.support.TestSqs;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Scenario 1: usage messages through SQS until the consumer has applied them, for usage spread over many entitlements
 * and for one hot entitlement; the ledger against two anchors without history (the seed's Lambda, and one conditional
 * {@code UpdateItem} per message), each consumer a JVM of its own; and the raw rate of ElasticMQ.
 */
final class IngestScenario implements Scenario {

    static final String NAME = "ingest";
    static final String KEY = "BENCH_USAGE";
    /** High enough that no message of the benchmark is ever over the limit. */
    static final long LIMIT = 1_000_000_000_000L;

    private static final String SEED_TABLE = "bench-baseline-entitlements";
    private static final String UPDATE_TABLE = "bench-update-item-entitlements";
    private static final String TABLE_PROCESSOR = "entitlement-table";
    private static final String HISTORY_PROCESSOR = "usage-history";
    private static final Duration CATCH_UP = Duration.ofMinutes(30);
    private static final int CEILING_WARM_UP = 5_000;
    private static final String METHOD = """
            Messages carry the seed's body (userId, entitlementKey, amount 1, an idempotencyKey, metadata) and are \
            sent in SendMessageBatch calls of 10 from `bench.producerThreads` threads of the benchmark's JVM, which \
            also hosts ElasticMQ; dynalite is a Node.js process. Three consumers, each a JVM of its own with the same \
            options (`-Xmx` `bench.consumerHeap`, default GC), each on its own queue and table: **the ledger** \
            (the service as deployed, local profile, its default settings: details ledgerSettings), **the \
            seed-faithful baseline** (what the seed's Lambda did: `bench.baselineInvocations` invocations at once of \
            up to 20 messages, each message GetItem, lazy period reset, limit check, UpdateItem conditional on what \
            it read, DeleteMessageBatch of the successes; no event store, no history, no dedup) and **the \
            single-UpdateItem design** (the same invocations, one UpdateItem per message: ADD the amount, conditional \
            on active, the count leaving room under the limit, which the consumer knows, and the period not ended; \
            the seed's path only when that condition fails). Each case (uniform: usage spread at random over \
            `bench.entitlements` entitlements; hot: all usage on one) runs `bench.repetitions` rounds at saturation \
            (`bench.messages` sent as fast as possible) and then as many paced at `bench.pacedLoad` times the \
            ledger's median saturation throughput for `bench.pacedSeconds`; every round runs the three consumers one \
            after the other, the order rotated each round. Before the first round every consumer takes \
            `bench.warmUpMessages` unmeasured messages (caches and JIT warmed the same way). **Delay is measured on \
            the server**: each consumer records, for each message, the time from its SQS SentTimestamp to the item \
            write acknowledged (the ledger's projectors: `ledger.projection.delay`, also the history row committed), \
            in the same fine-bucketed histogram, read by Prometheus scrapes before and after the phase; nothing is \
            polled for it. **Throughput** = messages / (time the consumer's applied count reached the phase's \
            messages - first send); the count is read every 500 ms and, for the last tenth, every 50 ms (the \
            anchors answer it themselves; for the ledger its history rows are counted in its database, then its \
            projection's delay count is scraped until complete, which it nearly always is by then), and the time \
            taken is the middle of the last interval; for the ledger both projections must be complete. **CPU** per 1,000 messages is the consumer process's user + system time from /proc over the \
            phase. Ratios are computed per round from that round's pair, and the median and range of the rounds are \
            reported. Per-message resources of the ledger (Postgres statements from pg_stat_statements, commits, WAL \
            bytes from the LSN, Postgres CPU from its process tree, AWS requests and DynamoDB capacity units as \
            returned with ReturnConsumedCapacity) are in the details (capacity). Between phases every consumer is \
            quiet and its queue empty. Ceiling: a no-op consumer in the benchmark's JVM receiving 10 at a time.""";

    private final BenchSettings settings;
    private Report report;
    private SqsClient sqs;
    private DynamoDbClient dynamo;
    private UsageProducer producer;
    private PgAccounting pg;
    private TestDatabase.Database database;

    IngestScenario(BenchSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** A case: its entitlements. */
    private record Case(String name, List<EntitlementId> keys) {

        String label() {
            return name + " (" + keys.size() + " entitlement" + (keys.size() == 1 ? "" : "s") + ")";
        }
    }

    /** A consumer under test, in its own process. */
    private interface Consumer {
        String name();

        String queue();

        String table();

        long pid();

        /** Messages applied to the item so far. */
        long applied() throws Exception;

        /** History rows committed so far, or -1 when the consumer keeps no history. */
        long historied() throws Exception;

        String scrape() throws Exception;

        boolean ledger();

        /** Counts start here (the ledger counts from its database). */
        default void mark() throws Exception {}
    }

    /** One phase's outcome for one consumer. */
    private record Phase(
            String consumer,
            String kase,
            String load,
            int round,
            int messages,
            Double sendRate,
            Double itemThroughput,
            Double throughput,
            DelayHistogram itemDelay,
            DelayHistogram historyDelay,
            double cpuMillis,
            Map<String, Object> resources) {

        Double cpuPerThousand() {
            return cpuMillis * 1000.0 / messages;
        }

        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("consumer", consumer);
            map.put("case", kase);
            map.put("load", load);
            map.put("round", round);
            map.put("messages", messages);
            map.put("sendRatePerSecond", IngestScenario.rounded(sendRate));
            map.put("itemThroughputPerSecond", IngestScenario.rounded(itemThroughput));
            map.put("throughputPerSecond", IngestScenario.rounded(throughput));
            map.put("delayToItemMillis", itemDelay.toMap());
            map.put("delayToHistoryMillis", historyDelay == null ? null : historyDelay.toMap());
            map.put("cpuMillisPer1000Messages", IngestScenario.rounded(cpuPerThousand()));
            map.put("resources", resources);
            return map;
        }
    }

    @Override
    public void run(Report report) throws Exception {
        this.report = report;
        report.method(NAME, METHOD);
        List<EntitlementId> uniformKeys = new ArrayList<>(settings.entitlements());
        for (int i = 0; i < settings.entitlements(); i++) {
            uniformKeys.add(EntitlementId.of(String.format(Locale.ROOT, "bench-user-%06d", i), KEY));
        }
        Case uniform = new Case("uniform", uniformKeys);
        Case hot = new Case("hot", List.of(EntitlementId.of("bench-hot-user", KEY)));
        List<EntitlementId> allKeys = new ArrayList<>(uniformKeys);
        allKeys.addAll(hot.keys());

        // a monthly period that started a day ago: no period ends while the benchmark runs
        Instant anchor = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
        UsagePolicy policy = new UsagePolicy(LIMIT, Period.MONTHLY, anchor, OverLimit.REJECT);
        PeriodWindow window = PeriodCalendar.windowContaining(Period.MONTHLY, anchor, Instant.now());
        Path directory = settings.output().resolve("ingest");

        database = TestDatabase.newDatabase();
        pg = new PgAccounting(database);
        report.detail(NAME, "postgresStatementsCounted", pg.statementsAvailable());
        String ledgerQueue;
        String ledgerTable;
        try (ConfigurableApplicationContext setup = LedgerInstances.start(database, "ledger.environment=bench")) {
            ledgerQueue = setup.getBean(Queues.class).queueUrl();
            ledgerTable = setup.getBean(EntitlementTable.class).name();
            report.detail(NAME, "ledgerSettings", ledgerSettings(setup));
            report.log("ingest: granting " + allKeys.size() + " entitlements through the ledger");
            long start = System.nanoTime();
            grant(setup.getBean(Ledger.class), allKeys, policy);
            CatchUp.await(setup, CATCH_UP, Projection.DYNAMODB, Projection.HISTORY);
            report.detail(NAME, "setupGrantSeconds", seconds(System.nanoTime() - start));
        }

        try (SqsClient sqsClient = Clients.sqs(TestSqs.endpoint());
                DynamoDbClient dynamoClient = Clients.dynamo(TestDynamoDb.endpoint())) {
            sqs = sqsClient;
            dynamo = dynamoClient;
            producer = new UsageProducer(sqs, settings.producerThreads());
            String seedQueue = Clients.createQueue(sqs, "bench-baseline-queue", Duration.ofSeconds(60));
            String updateQueue = Clients.createQueue(sqs, "bench-update-item-queue", Duration.ofSeconds(60));
            for (String table : List.of(SEED_TABLE, UPDATE_TABLE)) {
                SeedLambdaBaseline.createTable(dynamo, table);
                SeedLambdaBaseline.putItems(dynamo, table, allKeys, LIMIT, Period.MONTHLY.name(), window);
            }
            report.log("ingest: starting the consumer processes");
            try (ServiceProcess service = ServiceProcess.start(
                            database,
                            AnchorProcess.jvmOptions(settings.consumerHeap()),
                            directory.resolve("ledger"),
                            ledgerProperties());
                    AnchorProcess seed = AnchorProcess.start(
                            SeedLambdaBaseline.Mode.SEED,
                            settings.consumerHeap(),
                            directory,
                            TestSqs.endpoint(),
                            TestDynamoDb.endpoint(),
                            seedQueue,
                            SEED_TABLE,
                            settings.baselineInvocations(),
                            LIMIT);
                    AnchorProcess update = AnchorProcess.start(
                            SeedLambdaBaseline.Mode.UPDATE_ITEM,
                            settings.consumerHeap(),
                            directory,
                            TestSqs.endpoint(),
                            TestDynamoDb.endpoint(),
                            updateQueue,
                            UPDATE_TABLE,
                            settings.baselineInvocations(),
                            LIMIT)) {
                Consumer ledger = ledger(service, ledgerQueue, ledgerTable);
                Consumer seedBaseline = anchor("seed-faithful baseline", seed, seedQueue, SEED_TABLE);
                Consumer updateItem = anchor("single-UpdateItem design", update, updateQueue, UPDATE_TABLE);
                List<Consumer> consumers = List.of(seedBaseline, updateItem, ledger);
                Map<String, long[]> counts = new LinkedHashMap<>();
                for (Consumer consumer : consumers) {
                    counts.put(consumer.name() + "/uniform", new long[uniformKeys.size()]);
                    counts.put(consumer.name() + "/hot", new long[1]);
                }
                ceiling(uniform);
                int seed0 = 100;
                if (settings.warmUpMessages() > 0) {
                    int[] warm = targets(uniform, settings.warmUpMessages(), seed0++);
                    for (Consumer consumer : consumers) {
                        report.log("ingest: warming up " + consumer.name() + " with " + warm.length + " messages");
                        phase(consumer, uniform, "warm-up", 0, warm, 0, counts);
                    }
                }
                long ledgerSent = settings.warmUpMessages();
                List<Phase> all = new ArrayList<>();
                for (Case kase : List.of(uniform, hot)) {
                    int count = kase == hot ? settings.hotMessages() : settings.messages();
                    List<Phase> saturated = new ArrayList<>();
                    for (int round = 1; round <= settings.repetitions(); round++) {
                        int[] targets = targets(kase, count, seed0++);
                        for (Consumer consumer : rotate(consumers, round - 1)) {
                            saturated.add(phase(consumer, kase, "saturation", round, targets, 0, counts));
                        }
                        ledgerSent += targets.length;
                    }
                    double ledgerMax = median(saturated.stream()
                            .filter(p -> p.consumer().equals(ledger.name()))
                            .map(Phase::throughput)
                            .toList());
                    double rate = Math.max(1.0, settings.pacedLoad() * ledgerMax);
                    int pacedMessages = (int) Math.max(50, Math.round(rate * settings.pacedSeconds()));
                    String load = String.format(Locale.ROOT, "paced at %.0f msg/s", rate);
                    List<Phase> paced = new ArrayList<>();
                    for (int round = 1; round <= settings.repetitions(); round++) {
                        int[] targets = targets(kase, pacedMessages, seed0++);
                        for (Consumer consumer : rotate(consumers, round - 1)) {
                            paced.add(phase(consumer, kase, load, round, targets, rate, counts));
                        }
                        ledgerSent += targets.length;
                    }
                    figures(kase, saturated, paced, load, ledger, seedBaseline, updateItem);
                    all.addAll(saturated);
                    all.addAll(paced);
                    report.write();
                }
                capacity(all, ledger, seedBaseline, updateItem);
                if (settings.profile()) {
                    ledgerSent += profile(service, ledger, uniform, seed0, counts);
                }
                sanity(consumers, uniform, hot, counts, ledgerSent);
            }
        }
    }

    private String[] ledgerProperties() {
        List<String> properties = new ArrayList<>(List.of("ledger.environment=bench", DelayHistogram.sloProperty()));
        properties.addAll(settings.ledgerProperties());
        return properties.toArray(String[]::new);
    }

    private Consumer ledger(ServiceProcess service, String queue, String table) throws java.sql.SQLException {
        LedgerProgress progress = new LedgerProgress(database);
        return new Consumer() {
            public String name() {
                return "ledger";
            }

            public String queue() {
                return queue;
            }

            public String table() {
                return table;
            }

            public long pid() {
                return service.pid();
            }

            public long applied() throws Exception {
                return service.delayCount(TABLE_PROCESSOR);
            }

            public long historied() throws Exception {
                return progress.historied();
            }

            public String scrape() throws Exception {
                return service.scrape();
            }

            public boolean ledger() {
                return true;
            }

            public void mark() throws Exception {
                progress.mark();
            }
        };
    }

    private static Consumer anchor(String name, AnchorProcess process, String queue, String table) {
        return new Consumer() {
            public String name() {
                return name;
            }

            public String queue() {
                return queue;
            }

            public String table() {
                return table;
            }

            public long pid() {
                return process.pid();
            }

            public long applied() throws Exception {
                return process.count();
            }

            public long historied() {
                return -1;
            }

            public String scrape() throws Exception {
                return process.scrape();
            }

            public boolean ledger() {
                return false;
            }
        };
    }

    private void ceiling(Case uniform) throws Exception {
        String ceilingQueue = Clients.createQueue(sqs, "bench-ceiling-queue", Duration.ofSeconds(60));
        int warmUp = Math.min(settings.messages(), CEILING_WARM_UP);
        SqsCeiling.Result warm = SqsCeiling.run(
                sqs,
                ceilingQueue,
                producer,
                uniform.keys(),
                targets(uniform, warmUp, 0),
                settings.ceilingConsumers(),
                stall());
        report.check(NAME, "ceiling warm-up: every message received and deleted", warm.complete(), warmUp + " sent");
        report.log("ingest: ceiling, " + settings.messages() + " messages through ElasticMQ to a no-op consumer");
        SqsCeiling.Result ceiling = SqsCeiling.run(
                sqs,
                ceilingQueue,
                producer,
                uniform.keys(),
                targets(uniform, settings.messages(), 1),
                settings.ceilingConsumers(),
                stall());
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("messages", ceiling.messages());
        detail.put("consumers", settings.ceilingConsumers());
        detail.put("sendRatePerSecond", ceiling.sent().sendRate());
        detail.put("throughputPerSecond", ceiling.throughput());
        report.detail(NAME, "ceiling", detail);
        report.check(
                NAME, "ceiling: every message received and deleted", ceiling.complete(), ceiling.messages() + " sent");
        report.log("ingest: ceiling " + Report.number(ceiling.throughput()) + " msg/s");
    }

    /** Sends {@code targets} to the consumer, waits until it has applied them all, and records the phase. */
    private Phase phase(
            Consumer consumer,
            Case kase,
            String load,
            int round,
            int[] targets,
            double rate,
            Map<String, long[]> counts)
            throws Exception {
        String label = consumer.name() + ", " + kase.name() + ", " + load + (round > 0 ? ", round " + round : "");
        report.log("ingest: " + label + ": " + targets.length + " messages");
        consumer.mark();
        long appliedBase = consumer.applied();
        long historyBase = consumer.historied();
        Map<String, Double> before = DelayHistogram.parse(consumer.scrape());
        if (consumer.ledger()) {
            pg.resetStatements();
        }
        PgAccounting.Snapshot pgBefore = pg.snapshot();
        double cpuBefore = ProcCpu.millis(consumer.pid());
        String tag = kase.name() + "-" + load.replace(' ', '-') + "-" + round + "-"
                + consumer.name().replace(' ', '-');

        ExecutorService sending = Executors.newSingleThreadExecutor();
        UsageProducer.Sent sent;
        long itemDone;
        long historyDone;
        try {
            Future<UsageProducer.Sent> sendingDone =
                    sending.submit(() -> producer.send(consumer.queue(), kase.keys(), targets, tag, rate));
            if (consumer.ledger()) {
                // the history (read from the database, free for the ledger) first; then its items, nearly always
                // complete by then, so the ledger is scraped once or twice
                historyDone = awaitCount(
                        label + " (history)", consumer::historied, historyBase + targets.length, sendingDone);
                itemDone = awaitCount(label + " (item)", consumer::applied, appliedBase + targets.length, sendingDone);
            } else {
                itemDone = awaitCount(label + " (item)", consumer::applied, appliedBase + targets.length, sendingDone);
                historyDone = itemDone;
            }
            sent = sendingDone.get();
        } finally {
            sending.shutdownNow();
        }
        double cpu = ProcCpu.millis(consumer.pid()) - cpuBefore;
        PgAccounting.Snapshot pgAfter = pg.snapshot();
        Map<String, Double> after = DelayHistogram.parse(consumer.scrape());
        long[] perKey = counts.get(consumer.name() + "/" + kase.name());
        for (int target : targets) {
            perKey[target]++;
        }
        long first = sent.firstSendMillis();
        // the ledger's items are looked at only once its history is complete: no figure of their own
        Double itemThroughput =
                consumer.ledger() || itemDone <= first ? null : targets.length * 1000.0 / (itemDone - first);
        long done = Math.max(itemDone, historyDone);
        Double throughput = done > first ? targets.length * 1000.0 / (done - first) : null;
        Map<String, Object> resources = resources(consumer, before, after, pgBefore, pgAfter, targets.length);
        Phase phase = new Phase(
                consumer.name(),
                kase.name(),
                load,
                round,
                targets.length,
                sent.sendRate(),
                itemThroughput,
                throughput,
                DelayHistogram.between(before, after, TABLE_PROCESSOR),
                consumer.ledger() ? DelayHistogram.between(before, after, HISTORY_PROCESSOR) : null,
                cpu,
                resources);
        if (consumer.ledger() && round == 1 && load.equals("saturation")) {
            resources.put("topStatements", pg.topStatements(targets.length, 15));
        }
        report.detail(NAME, "phase: " + label, phase.toMap());
        report.log("ingest: " + label + ": " + Report.number(throughput) + " msg/s, delay p50/p99 "
                + Report.number(phase.itemDelay().percentileMillis(0.5)) + "/"
                + Report.number(phase.itemDelay().percentileMillis(0.99)) + " ms, CPU "
                + Report.number(phase.cpuPerThousand()) + " ms per 1,000");
        report.check(
                NAME,
                label + ": the consumer recorded a delay for every message",
                phase.itemDelay().count() == targets.length,
                (long) phase.itemDelay().count() + " of " + targets.length);
        long depth = Clients.awaitEmpty(sqs, consumer.queue(), Duration.ofSeconds(30));
        report.check(NAME, label + ": the queue is empty afterwards", depth == 0, depth + " messages left");
        return phase;
    }

    /**
     * Polls {@code count} every 50 ms until it reaches {@code expected}. @return the middle of the last interval
     * (epoch ms)
     */
    private long awaitCount(String label, Counted count, long expected, Future<?> sending) throws Exception {
        long lastProgress = System.nanoTime();
        long previousAt = System.currentTimeMillis();
        long last = count.get();
        long near = Math.max(20, (expected - last) / 10);
        while (true) {
            long at = System.currentTimeMillis();
            long now = count.get();
            if (now >= expected) {
                if (now > expected) {
                    report.check(NAME, label + ": no message applied twice", false, now + " for " + expected);
                }
                return (previousAt + at) / 2;
            }
            if (now != last) {
                last = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stall().toNanos() && sending.isDone()) {
                sending.get(); // a failed producer says why
                throw new IllegalStateException(
                        label + ": " + now + " of " + expected + " applied, then nothing for " + stall());
            }
            previousAt = at;
            // every 50 ms near the end, every 500 ms before: reading the ledger's count costs it a scrape
            Thread.sleep(expected - now > near ? 500 : 50);
        }
    }

    @FunctionalInterface
    private interface Counted {
        long get() throws Exception;
    }

    /** Per message: AWS requests by operation, DynamoDB capacity units, and (for the ledger) what Postgres did. */
    private Map<String, Object> resources(
            Consumer consumer,
            Map<String, Double> before,
            Map<String, Double> after,
            PgAccounting.Snapshot pgBefore,
            PgAccounting.Snapshot pgAfter,
            int messages) {
        Map<String, Object> map = new LinkedHashMap<>();
        Map<String, Double> requests = new LinkedHashMap<>();
        double sqsRequests = 0;
        double dynamoRequests = 0;
        for (Map.Entry<String, Double> sample : after.entrySet()) {
            String key = sample.getKey();
            if (key.startsWith("bench_aws_requests_total{")) {
                double delta = sample.getValue() - before.getOrDefault(key, 0.0);
                if (delta > 0) {
                    requests.put(key.substring(key.indexOf('{')), Percentiles.round(delta / messages));
                    if (key.contains("service=Sqs")) {
                        sqsRequests += delta;
                    } else if (key.contains("service=DynamoDb")) {
                        dynamoRequests += delta;
                    }
                }
            }
        }
        map.put("awsRequestsPerMessage", requests);
        map.put("sqsRequestsPerMessage", Percentiles.round(sqsRequests / messages));
        map.put("dynamoDbRequestsPerMessage", Percentiles.round(dynamoRequests / messages));
        Function<String, Double> units =
                kind -> (DelayHistogram.sum(after, "bench_aws_capacity_units_total", Map.of("kind", kind))
                                - DelayHistogram.sum(before, "bench_aws_capacity_units_total", Map.of("kind", kind)))
                        / messages;
        map.put("dynamoDbWriteUnitsPerMessage", Percentiles.round(units.apply("write")));
        map.put("dynamoDbReadUnitsPerMessage", Percentiles.round(units.apply("read")));
        if (consumer.ledger()) {
            map.put(
                    "postgresStatementsPerMessage",
                    pgAfter.statements() < 0
                            ? null
                            : Percentiles.round((double) (pgAfter.statements() - pgBefore.statements()) / messages));
            map.put(
                    "postgresCommitsPerMessage",
                    Percentiles.round((double) (pgAfter.commits() - pgBefore.commits()) / messages));
            map.put(
                    "postgresWalBytesPerMessage",
                    Percentiles.round((double) (pgAfter.walLsnBytes() - pgBefore.walLsnBytes()) / messages));
            map.put(
                    "postgresDatabaseGrowthBytesPerMessage",
                    Percentiles.round((double) (pgAfter.databaseBytes() - pgBefore.databaseBytes()) / messages));
        }
        map.put(
                "postgresCpuMillisPerMessage",
                Percentiles.round((pgAfter.cpuMillis() - pgBefore.cpuMillis()) / messages));
        return map;
    }

    private void figures(
            Case kase,
            List<Phase> saturated,
            List<Phase> paced,
            String load,
            Consumer ledger,
            Consumer seed,
            Consumer update) {
        String c = kase.label();
        for (Consumer anchor : List.of(seed, update)) {
            repeated(
                    c + ": throughput at saturation (ledger: DynamoDB item and history row)",
                    saturated,
                    ledger,
                    anchor,
                    Phase::throughput,
                    "msg/s",
                    "ledger / " + anchor.name());
        }
        for (Consumer anchor : List.of(seed, update)) {
            repeated(
                    c + ": CPU of the consumer process per 1,000 messages at saturation",
                    saturated,
                    ledger,
                    anchor,
                    Phase::cpuPerThousand,
                    "ms",
                    "ledger / " + anchor.name());
        }
        for (double q : new double[] {0.5, 0.95, 0.99}) {
            String p = "p" + Math.round(q * 100);
            repeated(
                    c + ": delay " + p + " SentTimestamp → DynamoDB write acknowledged, " + load,
                    paced,
                    ledger,
                    seed,
                    phase -> phase.itemDelay().percentileMillis(q),
                    "ms",
                    "ledger / " + seed.name());
            repeated(
                    c + ": delay " + p + " SentTimestamp → history row committed (ledger), " + load,
                    paced,
                    ledger,
                    seed,
                    phase -> phase.historyDelay() == null
                            ? phase.itemDelay().percentileMillis(q)
                            : phase.historyDelay().percentileMillis(q),
                    "ms",
                    "ledger history / " + seed.name() + " item");
        }
        repeated(
                c + ": delay p99 SentTimestamp → DynamoDB write acknowledged, " + load,
                paced,
                ledger,
                update,
                phase -> phase.itemDelay().percentileMillis(0.99),
                "ms",
                "ledger / " + update.name());
        repeated(
                c + ": delay p99 SentTimestamp → DynamoDB write acknowledged, at saturation (includes the backlog)",
                saturated,
                ledger,
                seed,
                phase -> phase.itemDelay().percentileMillis(0.99),
                "ms",
                "ledger / " + seed.name());
    }

    /** A figure from the rounds: medians of each side, the median and range of the per-round ratios. */
    private void repeated(
            String name,
            List<Phase> phases,
            Consumer ledger,
            Consumer anchor,
            Function<Phase, Double> measure,
            String unit,
            String meaning) {
        List<Double> ours = new ArrayList<>();
        List<Double> theirs = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= settings.repetitions(); round++) {
            int r = round;
            Double mine = phases.stream()
                    .filter(p -> p.round() == r && p.consumer().equals(ledger.name()))
                    .map(measure)
                    .findFirst()
                    .orElse(null);
            Double other = phases.stream()
                    .filter(p -> p.round() == r && p.consumer().equals(anchor.name()))
                    .map(measure)
                    .findFirst()
                    .orElse(null);
            if (mine != null) {
                ours.add(mine);
            }
            if (other != null) {
                theirs.add(other);
            }
            Double ratio = Report.ratio(mine, other);
            if (ratio != null) {
                ratios.add(ratio);
            }
        }
        String spread = ratios.isEmpty()
                ? null
                : String.format(
                        Locale.ROOT,
                        "%.2f–%.2f over %d rounds",
                        ratios.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                        ratios.stream().mapToDouble(Double::doubleValue).max().orElse(0),
                        ratios.size());
        report.repeatedFigure(
                NAME,
                name,
                ours.isEmpty() ? null : median(ours),
                unit,
                anchor.name(),
                theirs.isEmpty() ? null : median(theirs),
                ratios.isEmpty() ? null : median(ratios),
                meaning,
                spread);
    }

    /** Medians of the ledger's per-message resources over the uniform saturation rounds, and the anchors'. */
    private void capacity(List<Phase> phases, Consumer ledger, Consumer seed, Consumer update) {
        Map<String, Object> capacity = new LinkedHashMap<>();
        for (Consumer consumer : List.of(ledger, seed, update)) {
            List<Phase> own = phases.stream()
                    .filter(p -> p.consumer().equals(consumer.name())
                            && p.kase().equals("uniform")
                            && p.load().equals("saturation"))
                    .toList();
            Map<String, Object> medians = new LinkedHashMap<>();
            medians.put(
                    "workerCpuMillisPerMessage",
                    median(own.stream().map(p -> p.cpuPerThousand() / 1000).toList()));
            for (String key : List.of(
                    "postgresStatementsPerMessage",
                    "postgresCommitsPerMessage",
                    "postgresWalBytesPerMessage",
                    "postgresDatabaseGrowthBytesPerMessage",
                    "postgresCpuMillisPerMessage",
                    "dynamoDbWriteUnitsPerMessage",
                    "dynamoDbReadUnitsPerMessage",
                    "dynamoDbRequestsPerMessage",
                    "sqsRequestsPerMessage")) {
                List<Double> values = own.stream()
                        .map(p -> p.resources().get(key))
                        .filter(v -> v instanceof Number)
                        .map(v -> ((Number) v).doubleValue())
                        .toList();
                medians.put(key, values.isEmpty() ? null : median(values));
            }
            capacity.put(consumer.name(), medians);
        }
        report.detail(NAME, "capacity (per message, uniform saturation, median of rounds)", capacity);
    }

    /** One more uniform saturation phase of the ledger under JFR; @return the messages it sent */
    private int profile(ServiceProcess service, Consumer ledger, Case uniform, int seed, Map<String, long[]> counts)
            throws Exception {
        Path file = settings.output().resolve("ingest-ledger.jfr");
        int[] targets = targets(uniform, settings.messages(), seed);
        JfrProfile.start(service.pid(), "ingest");
        try {
            phase(ledger, uniform, "saturation under JFR", 0, targets, 0, counts);
        } finally {
            JfrProfile.stop(service.pid(), "ingest", file);
        }
        report.detail(
                NAME,
                "profile of the ledger's process, uniform saturation (JFR " + file + ")",
                JfrProfile.summarize(file));
        return targets.length;
    }

    /** Every item holds exactly what was sent to it; the ledger has one event per message and nothing rejected. */
    private void sanity(List<Consumer> consumers, Case uniform, Case hot, Map<String, long[]> counts, long ledgerSent)
            throws Exception {
        for (Consumer consumer : consumers) {
            for (Case kase : List.of(uniform, hot)) {
                itemsMatch(consumer, kase, counts.get(consumer.name() + "/" + kase.name()));
            }
        }
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM domain_event_entry WHERE payload_type = '"
                    + UsageConsumed.class.getName() + "'")) {
                rs.next();
                long events = rs.getLong(1);
                report.check(
                        NAME,
                        "ledger: exactly one UsageConsumed event per message sent",
                        events == ledgerSent,
                        events + " events for " + ledgerSent + " messages");
            }
            try (ResultSet rs = statement.executeQuery(
                    "SELECT count(*) FROM usage_history WHERE event_type = " + "'UsageConsumed'")) {
                rs.next();
                long rows = rs.getLong(1);
                report.check(
                        NAME,
                        "ledger: exactly one history row per message sent",
                        rows == ledgerSent,
                        rows + " rows for " + ledgerSent + " messages");
            }
            try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM usage_rejection")) {
                rs.next();
                long rejections = rs.getLong(1);
                report.check(
                        NAME,
                        "ledger: no message was rejected or dead-lettered",
                        rejections == 0,
                        rejections + " rejections logged");
            }
        }
    }

    private void itemsMatch(Consumer consumer, Case kase, long[] expected) {
        List<Map<String, AttributeValue>> items = Items.read(
                dynamo, consumer.table(), kase.keys(), Items.USER_ID, Items.ENTITLEMENT_KEY, Items.USAGE_COUNT);
        long expectedSum = 0;
        long actualSum = 0;
        int differ = 0;
        for (int i = 0; i < expected.length; i++) {
            long actual = Items.number(items.get(i), Items.USAGE_COUNT);
            expectedSum += expected[i];
            actualSum += Math.max(0, actual);
            if (actual != expected[i]) {
                differ++;
            }
        }
        report.check(
                NAME,
                consumer.name() + ", " + kase.name() + ": every item's usageCount equals the messages sent to it",
                differ == 0,
                "sum " + actualSum + ", sent " + expectedSum + ", " + differ + " items differ");
    }

    private Duration stall() {
        return Duration.ofSeconds(settings.stallSeconds());
    }

    private static Map<String, Object> ledgerSettings(ConfigurableApplicationContext app) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String property : List.of(
                "ledger.sqs.concurrency",
                "ledger.sqs.max-messages-per-poll",
                "ledger.sqs.visibility-timeout",
                "ledger.sqs.poll-timeout",
                "ledger.eventstore.snapshot-threshold",
                "axon.eventhandling.processors.entitlement-table.batch-size",
                "axon.eventhandling.processors.entitlement-table.initial-segment-count",
                "axon.eventhandling.processors.entitlement-table.thread-count",
                "axon.eventhandling.processors.usage-history.batch-size",
                "axon.eventhandling.processors.usage-history.initial-segment-count",
                "ledger.dynamodb.write-parallelism",
                "spring.datasource.hikari.maximum-pool-size")) {
            values.put(property, app.getEnvironment().getProperty(property, "(default)"));
        }
        return values;
    }

    /** Grants every entitlement through the ledger's commands, from 4 threads. */
    static void grant(Ledger ledger, List<EntitlementId> ids, UsagePolicy policy) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Object>> futures = new ArrayList<>(ids.size());
            for (EntitlementId id : ids) {
                futures.add(pool.submit(() -> {
                    ledger.send(id, new GrantEntitlement(id, true, policy, Instant.now()), Map.of());
                    return null;
                }));
            }
            for (Future<Object> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The consumers in round {@code r}'s order: rotated by one each round. */
    static <T> List<T> rotate(List<T> consumers, int r) {
        List<T> order = new ArrayList<>(consumers);
        java.util.Collections.rotate(order, -(r % consumers.size()));
        return order;
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream()
                .filter(v -> v != null)
                .mapToDouble(Double::doubleValue)
                .sorted()
                .toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** The entitlement of each of {@code n} messages: uniform at random over the case's entitlements. */
    private static int[] targets(Case kase, int n, long seed) {
        int[] targets = new int[n];
        if (kase.keys().size() > 1) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < n; i++) {
                targets[i] = random.nextInt(kase.keys().size());
            }
        }
        return targets;
    }

    static Double rounded(Double value) {
        return value == null ? null : Percentiles.round(value);
    }

    static Double pick(Percentiles.Summary summary, String percentile) {
        if (summary == null) {
            return null;
        }
        return switch (percentile) {
            case "p50" -> summary.p50();
            case "p95" -> summary.p95();
            case "p99" -> summary.p99();
            default -> throw new IllegalArgumentException(percentile);
        };
    }

    static double seconds(long nanos) {
        return Percentiles.round(nanos / 1e9);
    }
}
