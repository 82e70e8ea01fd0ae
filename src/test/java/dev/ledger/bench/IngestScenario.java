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
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Scenario 1: usage messages through SQS until the DynamoDB item reflects them, for usage spread over many
 * entitlements and for one hot entitlement; the ledger against a consumer that does what the seed's Lambda did, and
 * against the raw rate of ElasticMQ.
 */
final class IngestScenario implements Scenario {

    static final String NAME = "ingest";
    static final String KEY = "BENCH_USAGE";
    /** High enough that no message of the benchmark is ever over the limit. */
    static final long LIMIT = 1_000_000_000_000L;

    private static final String BASELINE_TABLE = "bench-baseline-entitlements";
    private static final Duration CATCH_UP = Duration.ofMinutes(30);
    private static final List<String> PERCENTILES = List.of("p50", "p95", "p99");
    private static final int CEILING_WARM_UP = 5_000;
    private static final String METHOD = """
            Messages carry the seed's body (userId, entitlementKey, amount 1, an idempotencyKey, metadata) and are \
            sent in SendMessageBatch calls of 10 from `bench.producerThreads` threads. Each case (uniform: usage \
            spread at random over `bench.entitlements` entitlements; hot: all usage on one entitlement) runs four \
            phases: the baseline and then the ledger at saturation (all `bench.messages` sent as fast as possible), \
            then both paced at `bench.pacedLoad` times the slower one's saturation throughput for `bench.pacedSeconds` \
            (the hot case sends `bench.hotMessages` at saturation, by default the same number). \
            Throughput = messages / (time the last item showed its final count - first send). Latency = time the \
            item's usageCount first showed the message - the message's send time (taken just before its \
            SendMessageBatch call, i.e. at or before SentTimestamp), paired in send order per entitlement: for an \
            entitlement whose count was first seen at base + j at time r_j, the j-th message sent to it has latency \
            r_j - s_j. Items are polled with consistent BatchGetItem reads: a random sample of `bench.latencySample` \
            entitlements every 100 ms (uniform) or the hot item every 20 ms; the mean sweep time is the resolution \
            (details: sampleSweepMillis). Completion of all entitlements is then confirmed by full sweeps \
            (fullSweepMillis). Latency at saturation includes waiting behind the backlog; the paced figures show \
            latency below saturation. Baseline: a consumer written for the benchmark that does what the seed's \
            Lambda does: invocations (`bench.baselineInvocations` at once) of up to 20 messages, each message in \
            turn: GetItem, lazy period reset, limit check, UpdateItem conditional on the count and period it read \
            (retried on a lost race), DeleteMessageBatch of the successes; no event store, no history, no dedup; its \
            own queue and table on the same ElasticMQ and dynalite. Ceiling: the same producer with a no-op \
            consumer (`bench.ceilingConsumers` threads receiving 10 at a time and deleting them in batches), \
            measured first, after an unmeasured warm-up of up to 5,000 messages through the same path. The \
            ledger runs with its default local configuration (details: ledgerSettings) in the benchmark's JVM, \
            which also hosts ElasticMQ; dynalite is a Node.js process. Between phases the ledger's projections \
            (DynamoDB table and usage history) are allowed to catch up, so each phase starts quiet.""";

    private final BenchSettings settings;
    private Report report;
    private SqsClient sqs;
    private DynamoDbClient dynamo;
    private ConfigurableApplicationContext app;
    private UsageProducer producer;
    private String ledgerQueue;
    private String ledgerTable;
    private String baselineQueue;

    IngestScenario(BenchSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** A case: its entitlements, the ones polled for latency (indexes into keys), and how often they are polled. */
    private record Case(String name, List<EntitlementId> keys, int[] sample, Duration sampleInterval) {}

    /** One phase's outcome for one consumer. */
    private record Phase(
            String consumer,
            String kase,
            String load,
            int messages,
            Double targetRate,
            Double sendRate,
            Double throughput,
            Percentiles.Summary latency,
            Double sampleSweepMillis,
            Double fullSweepMillis,
            boolean complete) {

        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("consumer", consumer);
            map.put("case", kase);
            map.put("load", load);
            map.put("messages", messages);
            map.put("targetRatePerSecond", targetRate);
            map.put("sendRatePerSecond", sendRate);
            map.put("throughputPerSecond", throughput);
            map.put("latencyMillis", latency == null ? null : latency.toMap());
            map.put("sampleSweepMillis", sampleSweepMillis);
            map.put("fullSweepMillis", fullSweepMillis);
            map.put("complete", complete);
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
        List<EntitlementId> hotKeys = List.of(EntitlementId.of("bench-hot-user", KEY));
        Case uniform = new Case(
                "uniform", uniformKeys, sample(uniformKeys.size(), settings.latencySample()), Duration.ofMillis(100));
        Case hot = new Case("hot", hotKeys, new int[] {0}, Duration.ofMillis(20));
        List<EntitlementId> allKeys = new ArrayList<>(uniformKeys);
        allKeys.addAll(hotKeys);

        // a monthly period that started a day ago: no period ends while the benchmark runs
        Instant anchor = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
        UsagePolicy policy = new UsagePolicy(LIMIT, Period.MONTHLY, anchor, OverLimit.REJECT);
        PeriodWindow window = PeriodCalendar.windowContaining(Period.MONTHLY, anchor, Instant.now());

        TestDatabase.Database database = TestDatabase.newDatabase();
        try (SqsClient sqsClient = Clients.sqs(TestSqs.endpoint());
                DynamoDbClient dynamoClient = Clients.dynamo(TestDynamoDb.endpoint());
                ConfigurableApplicationContext context = LedgerInstances.start(database, "ledger.environment=bench")) {
            sqs = sqsClient;
            dynamo = dynamoClient;
            app = context;
            producer = new UsageProducer(sqs, settings.producerThreads());
            ledgerQueue = app.getBean(Queues.class).queueUrl();
            ledgerTable = app.getBean(EntitlementTable.class).name();
            report.detail(NAME, "ledgerSettings", ledgerSettings());

            report.log("ingest: granting " + allKeys.size() + " entitlements through the ledger");
            long setup = System.nanoTime();
            grant(app.getBean(Ledger.class), allKeys, policy);
            CatchUp.await(app, CATCH_UP, Projection.DYNAMODB, Projection.HISTORY);
            report.detail(NAME, "setupGrantSeconds", seconds(System.nanoTime() - setup));

            baselineQueue = Clients.createQueue(sqs, "bench-baseline-queue", Duration.ofSeconds(60));
            SeedLambdaBaseline.createTable(dynamo, BASELINE_TABLE);
            SeedLambdaBaseline.putItems(dynamo, BASELINE_TABLE, allKeys, LIMIT, Period.MONTHLY.name(), window);

            String ceilingQueue = Clients.createQueue(sqs, "bench-ceiling-queue", Duration.ofSeconds(60));
            int warmUp = Math.min(settings.messages(), CEILING_WARM_UP);
            report.log("ingest: warming up ElasticMQ and the clients with " + warmUp + " messages (not measured)");
            SqsCeiling.Result warm = SqsCeiling.run(
                    sqs,
                    ceilingQueue,
                    producer,
                    uniformKeys,
                    targets(uniform, warmUp, 0),
                    settings.ceilingConsumers(),
                    stall());
            report.check(
                    NAME, "ceiling warm-up: every message received and deleted", warm.complete(), warmUp + " sent");
            report.log("ingest: ceiling, " + settings.messages() + " messages through ElasticMQ to a no-op consumer");
            SqsCeiling.Result ceiling = SqsCeiling.run(
                    sqs,
                    ceilingQueue,
                    producer,
                    uniformKeys,
                    targets(uniform, settings.messages(), 1),
                    settings.ceilingConsumers(),
                    stall());
            Map<String, Object> ceilingDetail = new LinkedHashMap<>();
            ceilingDetail.put("messages", ceiling.messages());
            ceilingDetail.put("consumers", settings.ceilingConsumers());
            ceilingDetail.put("sendRatePerSecond", ceiling.sent().sendRate());
            ceilingDetail.put("throughputPerSecond", ceiling.throughput());
            Percentiles.Summary ceilingLatency = Percentiles.of(ceiling.receiveLatencies());
            ceilingDetail.put("sentTimestampToReceiveMillis", ceilingLatency == null ? null : ceilingLatency.toMap());
            report.detail(NAME, "ceiling", ceilingDetail);
            report.check(
                    NAME,
                    "ceiling: every message received and deleted",
                    ceiling.complete(),
                    ceiling.messages() + " sent");
            report.log("ingest: ceiling " + Report.number(ceiling.throughput()) + " msg/s");

            Map<String, long[]> ledgerCounts = new LinkedHashMap<>();
            Map<String, long[]> baselineCounts = new LinkedHashMap<>();
            long ledgerSent = 0;
            int seed = 100;
            for (Case kase : List.of(uniform, hot)) {
                long[] ledgerBase = new long[kase.keys().size()];
                long[] baselineBase = new long[kase.keys().size()];
                ledgerCounts.put(kase.name(), ledgerBase);
                baselineCounts.put(kase.name(), baselineBase);

                int count = kase == hot ? settings.hotMessages() : settings.messages();
                int[] saturated = targets(kase, count, seed++);
                Phase baselineSaturated = phase(false, kase, "saturation", saturated, 0, baselineBase);
                Phase ledgerSaturated = phase(true, kase, "saturation", saturated, 0, ledgerBase);
                ledgerSent += saturated.length;

                double slower = Math.min(baselineSaturated.throughput(), ledgerSaturated.throughput());
                double rate = Math.max(1.0, settings.pacedLoad() * slower);
                int pacedMessages = (int) Math.max(50, Math.round(rate * settings.pacedSeconds()));
                int[] paced = targets(kase, pacedMessages, seed++);
                String load = String.format(Locale.ROOT, "paced at %.0f msg/s", rate);
                Phase baselinePaced = phase(false, kase, load, paced, rate, baselineBase);
                Phase ledgerPaced = phase(true, kase, load, paced, rate, ledgerBase);
                ledgerSent += paced.length;

                int size = kase.keys().size();
                String c = kase.name() + " (" + size + " entitlement" + (size == 1 ? "" : "s") + ")";
                report.figure(
                        NAME,
                        c + ": throughput at saturation",
                        ledgerSaturated.throughput(),
                        "msg/s",
                        "seed-Lambda baseline",
                        baselineSaturated.throughput(),
                        "ledger / baseline");
                report.figure(
                        NAME,
                        c + ": throughput at saturation",
                        ledgerSaturated.throughput(),
                        "msg/s",
                        "ElasticMQ ceiling (no-op consumer)",
                        ceiling.throughput(),
                        "ledger / ceiling");
                report.figure(
                        NAME,
                        c + ": baseline throughput at saturation",
                        baselineSaturated.throughput(),
                        "msg/s",
                        "ElasticMQ ceiling (no-op consumer)",
                        ceiling.throughput(),
                        "baseline / ceiling");
                for (String p : PERCENTILES) {
                    report.figure(
                            NAME,
                            c + ": latency " + p + " at saturation (includes the backlog)",
                            pick(ledgerSaturated.latency(), p),
                            "ms",
                            "seed-Lambda baseline",
                            pick(baselineSaturated.latency(), p),
                            "ledger / baseline");
                }
                for (String p : PERCENTILES) {
                    report.figure(
                            NAME,
                            c + ": latency " + p + " " + load,
                            pick(ledgerPaced.latency(), p),
                            "ms",
                            "seed-Lambda baseline",
                            pick(baselinePaced.latency(), p),
                            "ledger / baseline");
                }
                report.write();
            }

            sanity(uniform, hot, ledgerCounts, baselineCounts, ledgerSent);
        }
    }

    /** Sends {@code targets}, watches the items until every message shows, and records the phase. */
    private Phase phase(boolean ledger, Case kase, String load, int[] targets, double rate, long[] counts)
            throws Exception {
        String queue = ledger ? ledgerQueue : baselineQueue;
        String table = ledger ? ledgerTable : BASELINE_TABLE;
        String consumer = ledger ? "ledger" : "seed-Lambda baseline";
        String label = consumer + ", " + kase.name() + ", " + load;
        int[] increments = new int[kase.keys().size()];
        for (int target : targets) {
            increments[target]++;
        }
        ItemWatcher watcher = new ItemWatcher(dynamo, table, kase.keys(), counts.clone(), increments, kase.sample());
        SeedLambdaBaseline baseline = ledger
                ? null
                : new SeedLambdaBaseline(sqs, dynamo, baselineQueue, BASELINE_TABLE, settings.baselineInvocations());
        ExecutorService watching = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "bench-watcher");
            thread.setDaemon(true);
            return thread;
        });
        report.log("ingest: " + label + ": " + targets.length + " messages");
        String tag = kase.name() + "-" + (rate > 0 ? "paced" : "saturation") + "-" + (ledger ? "ledger" : "baseline");
        UsageProducer.Sent sent;
        boolean sampled;
        long completedAt;
        try {
            if (baseline != null) {
                baseline.start();
            }
            Future<Boolean> sampleWatch = watching.submit(() -> watcher.watchSample(kase.sampleInterval(), stall()));
            sent = producer.send(queue, kase.keys(), targets, tag, rate);
            sampled = sampleWatch.get();
            completedAt = sampled ? watcher.awaitAll(Duration.ofMillis(250), stall()) : -1;
        } finally {
            watching.shutdownNow();
            if (baseline != null) {
                baseline.stop();
            }
        }
        for (int k = 0; k < counts.length; k++) {
            counts[k] += increments[k];
        }
        boolean complete = completedAt > 0;
        Double throughput = complete && completedAt > sent.firstSendMillis()
                ? targets.length * 1000.0 / (completedAt - sent.firstSendMillis())
                : null;
        Percentiles.Summary latency = Percentiles.of(watcher.latencies(sent.sentAtMillis(), targets));
        Phase phase = new Phase(
                consumer,
                kase.name(),
                load,
                targets.length,
                rate > 0 ? rate : null,
                sent.sendRate(),
                throughput,
                latency,
                watcher.meanSampleSweepMillis(),
                watcher.meanFullSweepMillis(),
                complete);
        Map<String, Object> detail = phase.toMap();
        if (baseline != null) {
            detail.put("baselineInvocations", settings.baselineInvocations());
            detail.put("baselineBatches", baseline.batches.sum());
            detail.put("baselineSucceeded", baseline.succeeded.sum());
            detail.put("baselineFailed", baseline.failed.sum());
            detail.put("baselineConditionConflicts", baseline.conflicts.sum());
        }
        report.detail(NAME, "phase: " + label, detail);
        report.log("ingest: " + label + ": throughput " + Report.number(throughput) + " msg/s, latency p50/p99 "
                + Report.number(pick(latency, "p50")) + "/" + Report.number(pick(latency, "p99")) + " ms");
        report.check(
                NAME,
                label + ": every message shows in its item",
                complete,
                watcher.applied() + " of " + targets.length + " seen");
        report.check(NAME, label + ": no item shows more usage than was sent", !watcher.overshoot(), null);
        if (baseline != null) {
            report.check(
                    NAME,
                    label + ": the baseline applied every message without error",
                    baseline.error() == null && baseline.failed.sum() == 0,
                    baseline.error() == null
                            ? baseline.failed.sum() + " failed"
                            : baseline.error().toString());
        }
        if (!complete) {
            throw new IllegalStateException(label + " did not complete: " + watcher.applied() + " of " + targets.length
                    + " messages showed in the items before nothing moved for " + stall());
        }
        if (ledger) {
            CatchUp.await(app, CATCH_UP, Projection.DYNAMODB, Projection.HISTORY);
        }
        long depth = Clients.awaitEmpty(sqs, queue, Duration.ofSeconds(30));
        report.check(NAME, label + ": the queue is empty afterwards", depth == 0, depth + " messages left");
        return phase;
    }

    /** Every item holds exactly what was sent to it; the ledger has one event per message and nothing rejected. */
    private void sanity(
            Case uniform,
            Case hot,
            Map<String, long[]> ledgerCounts,
            Map<String, long[]> baselineCounts,
            long ledgerSent)
            throws InterruptedException {
        for (Case kase : List.of(uniform, hot)) {
            itemsMatch("ledger", ledgerTable, kase, ledgerCounts.get(kase.name()));
            itemsMatch("seed-Lambda baseline", BASELINE_TABLE, kase, baselineCounts.get(kase.name()));
        }
        JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
        Long events = jdbc.queryForObject(
                "SELECT count(*) FROM domain_event_entry WHERE payload_type = ?",
                Long.class,
                UsageConsumed.class.getName());
        report.check(
                NAME,
                "ledger: exactly one UsageConsumed event per message sent",
                events != null && events == ledgerSent,
                events + " events for " + ledgerSent + " messages");
        Long rejections = jdbc.queryForObject("SELECT count(*) FROM usage_rejection", Long.class);
        report.check(
                NAME,
                "ledger: no message was rejected or dead-lettered",
                rejections != null && rejections == 0,
                rejections + " rejections logged");
        long deadLetters =
                Clients.awaitEmpty(sqs, app.getBean(Queues.class).deadLetterQueueUrl(), Duration.ofSeconds(1));
        report.check(NAME, "ledger: the DLQ is empty", deadLetters == 0, deadLetters + " messages");
    }

    private void itemsMatch(String consumer, String table, Case kase, long[] expected) {
        List<Map<String, AttributeValue>> items =
                Items.read(dynamo, table, kase.keys(), Items.USER_ID, Items.ENTITLEMENT_KEY, Items.USAGE_COUNT);
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
                consumer + ", " + kase.name() + ": every item's usageCount equals the messages sent to it",
                differ == 0,
                "sum " + actualSum + ", sent " + expectedSum + ", " + differ + " items differ");
    }

    private Duration stall() {
        return Duration.ofSeconds(settings.stallSeconds());
    }

    private Map<String, Object> ledgerSettings() {
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

    /** {@code n} distinct indexes below {@code size}, chosen at random with a fixed seed, ascending. */
    static int[] sample(int size, int n) {
        List<Integer> all = IntStream.range(0, size).boxed().collect(Collectors.toList());
        Collections.shuffle(all, new Random(7));
        return all.subList(0, Math.min(n, size)).stream()
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
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
