package dev.ledger.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sizes of the benchmark, from system properties ({@code -Dbench.*}), with the defaults of the published run (issue 18), or small ones with
 * {@code -Dbench.quick=true} for a smoke run.
 *
 * @param quick               small sizes everywhere (explicit properties still win)
 * @param scenarios           which scenarios run ({@code bench.scenarios}, comma-separated; default all)
 * @param output              where report.json and report.md go ({@code bench.output}, default {@code target/bench})
 * @param messages            ingest: messages per consumer at saturation, uniform case ({@code bench.messages})
 * @param hotMessages         ingest: the same for the hot case ({@code bench.hotMessages}, default half of {@code messages})
 * @param entitlements        ingest: entitlements of the uniform case ({@code bench.entitlements})
 * @param pacedSeconds        ingest: length of the paced phase that measures latency below saturation
 * @param pacedLoad           ingest: the paced rate as a fraction of the slower consumer's saturation throughput
 * @param producerThreads     ingest: threads sending SendMessageBatch calls
 * @param baselineInvocations ingest: concurrent invocations of the seed-Lambda baseline (Lambda starts an SQS event
 *                            source with 5 concurrent batches)
 * @param ceilingConsumers    ingest: threads of the no-op consumer that measures the raw ElasticMQ rate
 * @param stallSeconds        how long a phase may make no progress before it is given up as failed
 * @param rebuildEvents       rebuild: events in the store ({@code bench.rebuildEvents})
 * @param rebuildEntitlements rebuild: entitlements they belong to
 * @param historyEvents       history: events of the one large entitlement
 * @param exportRows          history: rows the export streams (the large entitlement's among them)
 * @param historySamples      history: timed requests per page kind
 * @param serviceHeap         history: {@code -Xmx} of the separate service JVM that serves pages and the export
 * @param aggregateEvents     aggregate: events of the large entitlement
 * @param aggregateCommands   aggregate: timed commands per entitlement
 * @param repetitions         ingest and rebuild: how often each phase is repeated, the order of the consumers rotated
 *                            each time ({@code bench.repetitions}); figures are medians
 * @param warmUpMessages      ingest: messages each consumer process takes, unmeasured, before the first phase
 * @param consumerHeap        ingest: {@code -Xmx} of every consumer process (the ledger and both anchors)
 * @param profile             ingest: one more uniform saturation phase of the ledger under JFR, summarized in the report
 * @param ledgerProperties    ingest: extra Spring properties of the ledger's process ({@code bench.ledgerProperties},
 *                            separated by {@code ;}), to measure one setting against another
 */
record BenchSettings(
        boolean quick,
        Set<String> scenarios,
        Path output,
        int messages,
        int hotMessages,
        int entitlements,
        int pacedSeconds,
        double pacedLoad,
        int producerThreads,
        int baselineInvocations,
        int ceilingConsumers,
        int stallSeconds,
        int rebuildEvents,
        int rebuildEntitlements,
        int historyEvents,
        int exportRows,
        int historySamples,
        String serviceHeap,
        int aggregateEvents,
        int aggregateCommands,
        int repetitions,
        int warmUpMessages,
        String consumerHeap,
        boolean profile,
        List<String> ledgerProperties) {

    static final List<String> ALL_SCENARIOS = List.of("ingest", "rebuild", "history", "aggregate");
    /** The history API's default page size, which the page figures use. */
    static final int PAGE_SIZE = 100;

    BenchSettings {
        for (String scenario : scenarios) {
            if (!ALL_SCENARIOS.contains(scenario)) {
                throw new IllegalArgumentException(
                        "bench.scenarios: unknown scenario '" + scenario + "'; known: " + ALL_SCENARIOS);
            }
        }
        require(messages >= 10, "bench.messages must be >= 10");
        require(hotMessages >= 10, "bench.hotMessages must be >= 10");
        require(entitlements >= 1, "bench.entitlements must be >= 1");
        require(pacedSeconds >= 1, "bench.pacedSeconds must be >= 1");
        require(pacedLoad > 0 && pacedLoad <= 1, "bench.pacedLoad must be in (0, 1]");
        require(producerThreads >= 1, "bench.producerThreads must be >= 1");
        require(baselineInvocations >= 1, "bench.baselineInvocations must be >= 1");
        require(ceilingConsumers >= 1, "bench.ceilingConsumers must be >= 1");
        require(stallSeconds >= 10, "bench.stallSeconds must be >= 10");
        require(rebuildEntitlements >= 1, "bench.rebuildEntitlements must be >= 1");
        require(
                rebuildEvents >= rebuildEntitlements,
                "bench.rebuildEvents must be >= bench.rebuildEntitlements "
                        + "(every entitlement starts with its grant)");
        require(
                historyEvents >= 50 * PAGE_SIZE,
                "bench.historyEvents must be >= " + 50 * PAGE_SIZE + " so that the 50th page of " + PAGE_SIZE
                        + " exists");
        require(exportRows >= historyEvents, "bench.exportRows must be >= bench.historyEvents");
        require(historySamples >= 1, "bench.historySamples must be >= 1");
        require(aggregateEvents >= 2, "bench.aggregateEvents must be >= 2");
        require(aggregateCommands >= 1, "bench.aggregateCommands must be >= 1");
        require(repetitions >= 1, "bench.repetitions must be >= 1");
        require(warmUpMessages >= 0, "bench.warmUpMessages must be >= 0");
    }

    static BenchSettings fromSystemProperties() {
        boolean quick = flag("bench.quick");
        String selected = System.getProperty("bench.scenarios", "");
        Set<String> scenarios = new LinkedHashSet<>();
        if (selected.isBlank()) {
            scenarios.addAll(ALL_SCENARIOS);
        } else {
            Arrays.stream(selected.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .forEach(scenarios::add);
        }
        int messages = integer("bench.messages", quick ? 1_000 : 10_000);
        return new BenchSettings(
                quick,
                scenarios,
                Path.of(System.getProperty("bench.output", "target/bench")),
                messages,
                integer("bench.hotMessages", quick ? messages : messages / 2),
                integer("bench.entitlements", quick ? 1_000 : 10_000),
                integer("bench.pacedSeconds", quick ? 5 : 15),
                decimal("bench.pacedLoad", 0.5),
                integer("bench.producerThreads", 2),
                integer("bench.baselineInvocations", 5),
                integer("bench.ceilingConsumers", 4),
                integer("bench.stallSeconds", quick ? 60 : 300),
                integer("bench.rebuildEvents", quick ? 20_000 : 1_000_000),
                integer("bench.rebuildEntitlements", quick ? 1_000 : 10_000),
                integer("bench.historyEvents", quick ? 6_000 : 100_000),
                integer("bench.exportRows", quick ? 20_000 : 1_000_000),
                integer("bench.historySamples", quick ? 30 : 200),
                System.getProperty("bench.serviceHeap", "256m"),
                integer("bench.aggregateEvents", quick ? 5_000 : 100_000),
                integer("bench.aggregateCommands", quick ? 50 : 300),
                integer("bench.repetitions", quick ? 1 : 3),
                integer("bench.warmUpMessages", quick ? 500 : 5_000),
                System.getProperty("bench.consumerHeap", "512m"),
                !"false".equalsIgnoreCase(System.getProperty("bench.profile", quick ? "false" : "true")),
                Arrays.stream(System.getProperty("bench.ledgerProperties", "").split(";"))
                        .map(String::trim)
                        .filter(p -> !p.isEmpty())
                        .toList());
    }

    boolean runs(String scenario) {
        return scenarios.contains(scenario);
    }

    Map<String, Object> describe() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("quick", quick);
        map.put("scenarios", List.copyOf(scenarios));
        map.put("bench.messages", messages);
        map.put("bench.hotMessages", hotMessages);
        map.put("bench.entitlements", entitlements);
        map.put("bench.pacedSeconds", pacedSeconds);
        map.put("bench.pacedLoad", pacedLoad);
        map.put("bench.producerThreads", producerThreads);
        map.put("bench.baselineInvocations", baselineInvocations);
        map.put("bench.ceilingConsumers", ceilingConsumers);
        map.put("bench.stallSeconds", stallSeconds);
        map.put("bench.rebuildEvents", rebuildEvents);
        map.put("bench.rebuildEntitlements", rebuildEntitlements);
        map.put("bench.historyEvents", historyEvents);
        map.put("bench.exportRows", exportRows);
        map.put("bench.historySamples", historySamples);
        map.put("bench.serviceHeap", serviceHeap);
        map.put("bench.aggregateEvents", aggregateEvents);
        map.put("bench.aggregateCommands", aggregateCommands);
        map.put("bench.repetitions", repetitions);
        map.put("bench.warmUpMessages", warmUpMessages);
        map.put("bench.consumerHeap", consumerHeap);
        map.put("bench.profile", profile);
        map.put("bench.ledgerProperties", ledgerProperties);
        return map;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** {@code -Dname}, {@code -Dname=} and {@code -Dname=true} all mean true. */
    private static boolean flag(String name) {
        String value = System.getProperty(name);
        return value != null && (value.isBlank() || value.trim().equalsIgnoreCase("true"));
    }

    private static int integer(String name, int fallback) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.replace("_", "").replace(",", "").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'");
        }
    }

    private static double decimal(String name, double fallback) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
        }
    }
}
