package dev.ledger.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.support.AdminClient;
import dev.ledger.support.TestDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Scenario 3: history pages of one entitlement with {@code bench.historyEvents} events (the first and the 50th page),
 * and the usage export of {@code bench.exportRows} rows with its throughput and the service's peak heap.
 */
final class HistoryScenario implements Scenario {

    static final String NAME = "history";
    private static final String METHOD = """
            The service runs in a JVM of its own with `-Xmx` = `bench.serviceHeap` and a GC log. Its usage_history \
            table is filled with SQL (as ExportMemoryTest does): `bench.exportRows` UsageConsumed rows, one a second \
            from 2025-01-01, of which `bench.historyEvents` belong to one large entitlement (interleaved, every \
            (exportRows / historyEvents)-th row) and the rest to `bench.entitlements` others; plus 100 earlier rows \
            of a small entitlement (outside the export's range). Then VACUUM ANALYZE. Pages: GET \
            /api/v1/entitlements/{userId}/{key}/history with the default limit of 100, as the READER token; the \
            50th page is fetched with the cursor obtained by walking pages 1 to 49 once. After 10 warm-up rounds, \
            `bench.historySamples` rounds each time page 1 and page 50 of the large entitlement and page 1 of the \
            small one (wall time of the HTTP request, body read). Page 50 is compared with page 1 (keyset \
            pagination should make them equal), and page 1 with the small entitlement's. Export: GET \
            /api/v1/usage/export (CSV) over the whole range, read to the end and its lines counted; rows/s = rows / \
            wall time. Ceiling: Postgres COPY (same columns, same filter and order) TO STDOUT as CSV over JDBC, best \
            of a run before and one after the export. Heap: jvm.memory.used (area heap) sampled every 100 ms over \
            2 s before the export (idle) and during it; the peak during the export is the larger of the highest \
            sample and the highest heap occupancy before a collection in the GC log; retained = the highest \
            occupancy after a collection during the export.""";
    private static final String KEY = "BENCH_USAGE";
    private static final String LARGE_USER = "bench-history-user";
    private static final String SMALL_USER = "bench-small-user";
    private static final Instant BASE = Instant.parse("2025-01-01T00:00:00Z");
    private static final int WARM_UP = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BenchSettings settings;

    HistoryScenario(BenchSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** One page as the API answered it. */
    private record Page(int status, int entries, Long firstPosition, String nextCursor) {}

    @Override
    public void run(Report report) throws Exception {
        report.method(NAME, METHOD);
        int rows = settings.exportRows();
        int large = settings.historyEvents();
        int stride = rows / large;
        TestDatabase.Database database = TestDatabase.newDatabase();
        report.log("history: starting the service in its own JVM (-Xmx" + settings.serviceHeap() + ")");
        try (ServiceProcess service = ServiceProcess.start(
                database,
                settings.serviceHeap(),
                report.directory().resolve("history-service"),
                "ledger.environment=bench-history")) {
            report.log("history: writing " + rows + " history rows");
            long start = System.nanoTime();
            populate(database, rows, large, stride, settings.entitlements());
            report.detail(NAME, "setupSeconds", IngestScenario.seconds(System.nanoTime() - start));
            long largeRows = countRows(database, LARGE_USER);
            report.check(
                    NAME,
                    "the large entitlement has " + large + " history rows",
                    largeRows == large,
                    largeRows + " rows");

            pages(report, service, large, stride);
            export(report, service, database, rows);
        }
    }

    private static void populate(TestDatabase.Database database, int rows, int large, int stride, int others)
            throws SQLException {
        String insert = "INSERT INTO usage_history (global_index, entitlement_id, user_id, entitlement_key, "
                + "sequence_number, event_type, occurred_at, recorded_at, amount, period_start, period_end, "
                + "used_after, usage_limit, late, dedup_key, message_id, metadata) ";
        String values = "SELECT g, u || '#" + KEY + "', u, '" + KEY + "', g, 'UsageConsumed', ts, ts, 1, "
                + "timestamptz '2024-01-01 00:00:00+00', NULL, g, 1000000000, false, 'idem-' || g, 'msg-' || g, "
                + "'{\"source\":\"bench\"}'::jsonb FROM ";
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement()) {
            statement.execute(insert + values + "(SELECT g, CASE WHEN g % " + stride + " = 0 AND g / " + stride + " <= "
                    + large + " THEN '" + LARGE_USER + "' ELSE 'bench-user-' || (g % " + others + ") END AS u, "
                    + "timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second' AS ts "
                    + "FROM generate_series(1, " + rows + ") g) generated");
            statement.execute(insert + values + "(SELECT g, '" + SMALL_USER + "' AS u, "
                    + "timestamptz '2024-12-01 00:00:00+00' + (g - " + rows + ") * interval '1 second' AS ts "
                    + "FROM generate_series(" + (rows + 1) + ", " + (rows + BenchSettings.PAGE_SIZE)
                    + ") g) generated");
            statement.execute("VACUUM ANALYZE usage_history");
        }
    }

    private static long countRows(TestDatabase.Database database, String user) throws SQLException {
        try (Connection connection = database.connect();
                var statement =
                        connection.prepareStatement("SELECT count(*) FROM usage_history WHERE entitlement_id = ?")) {
            statement.setString(1, user + "#" + KEY);
            try (var rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private void pages(Report report, ServiceProcess service, int large, int stride) throws Exception {
        String largePath = "/api/v1/entitlements/" + LARGE_USER + "/" + KEY + "/history";
        String smallPath = "/api/v1/entitlements/" + SMALL_USER + "/" + KEY + "/history";
        Page first = get(service, largePath);
        String page50Path = cursorOfPage50(service, largePath);
        Page page50 = get(service, page50Path);
        long expectedFirst = (long) (large - 49 * BenchSettings.PAGE_SIZE) * stride;
        report.check(
                NAME,
                "page 50 starts at the 4,901st newest event of the large entitlement",
                page50.entries() == BenchSettings.PAGE_SIZE
                        && page50.firstPosition() != null
                        && page50.firstPosition() == expectedFirst,
                "first position " + page50.firstPosition() + ", expected " + expectedFirst);
        report.check(
                NAME,
                "page 1 of the large entitlement is full",
                first.entries() == BenchSettings.PAGE_SIZE,
                first.entries() + " entries");

        int samples = settings.historySamples();
        double[] firstMillis = new double[samples];
        double[] page50Millis = new double[samples];
        double[] smallMillis = new double[samples];
        int wrong = 0;
        for (int round = -WARM_UP; round < samples; round++) {
            long t0 = System.nanoTime();
            Page a = get(service, largePath);
            long t1 = System.nanoTime();
            Page b = get(service, page50Path);
            long t2 = System.nanoTime();
            Page c = get(service, smallPath);
            long t3 = System.nanoTime();
            if (a.entries() != BenchSettings.PAGE_SIZE
                    || b.entries() != BenchSettings.PAGE_SIZE
                    || c.entries() != BenchSettings.PAGE_SIZE) {
                wrong++;
            }
            if (round >= 0) {
                firstMillis[round] = (t1 - t0) / 1e6;
                page50Millis[round] = (t2 - t1) / 1e6;
                smallMillis[round] = (t3 - t2) / 1e6;
            }
        }
        report.check(NAME, "every timed page was answered 200 with 100 entries", wrong == 0, wrong + " wrong");
        Percentiles.Summary firstPage = Percentiles.of(firstMillis);
        Percentiles.Summary fiftiethPage = Percentiles.of(page50Millis);
        Percentiles.Summary smallPage = Percentiles.of(smallMillis);
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("largeEntitlementEvents", large);
        detail.put("pageSize", BenchSettings.PAGE_SIZE);
        detail.put("samples", samples);
        detail.put("page1Millis", firstPage.toMap());
        detail.put("page50Millis", fiftiethPage.toMap());
        detail.put("smallEntitlementPage1Millis", smallPage.toMap());
        report.detail(NAME, "pages", detail);
        String largeName = "entitlement with " + large + " events";
        for (String p : List.of("p50", "p99")) {
            report.figure(
                    NAME,
                    "history page 1, " + p + ", " + largeName,
                    IngestScenario.pick(firstPage, p),
                    "ms",
                    "page 1 of an entitlement with " + BenchSettings.PAGE_SIZE + " events",
                    IngestScenario.pick(smallPage, p),
                    "large / small");
            report.figure(
                    NAME,
                    "history page 50, " + p + ", " + largeName,
                    IngestScenario.pick(fiftiethPage, p),
                    "ms",
                    "page 1 of the same entitlement",
                    IngestScenario.pick(firstPage, p),
                    "page 50 / page 1");
        }
        report.log("history: page 1 p50 " + Report.number(firstPage.p50()) + " ms, page 50 p50 "
                + Report.number(fiftiethPage.p50()) + " ms");
        report.write();
    }

    /** The URL of page 50: page 1 followed by 49 cursors. */
    private static String cursorOfPage50(ServiceProcess service, String path) throws IOException, InterruptedException {
        Page page = get(service, path);
        String url = path;
        for (int n = 2; n <= 50; n++) {
            if (page.nextCursor() == null) {
                throw new IllegalStateException("page " + (n - 1) + " has no next cursor");
            }
            url = path + "?cursor=" + URLEncoder.encode(page.nextCursor(), StandardCharsets.UTF_8);
            page = get(service, url);
        }
        return url;
    }

    private static Page get(ServiceProcess service, String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = service.http()
                .send(
                        HttpRequest.newBuilder(service.uri(pathAndQuery))
                                .header("Authorization", "Bearer " + AdminClient.READER_TOKEN)
                                .timeout(Duration.ofSeconds(60))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            return new Page(response.statusCode(), 0, null, null);
        }
        JsonNode body = JSON.readTree(response.body());
        JsonNode entries = body.path("entries");
        JsonNode next = body.path("nextCursor");
        Long firstPosition = entries.size() > 0 && entries.get(0).hasNonNull("position")
                ? entries.get(0).get("position").asLong()
                : null;
        return new Page(200, entries.size(), firstPosition, next.isTextual() ? next.asText() : null);
    }

    private void export(Report report, ServiceProcess service, TestDatabase.Database database, int rows)
            throws Exception {
        Instant to = BASE.plusSeconds(rows + 1L);
        String query = "SELECT user_id, entitlement_key, occurred_at, recorded_at, amount, period_start, period_end, "
                + "late, dedup_key, message_id, metadata::text FROM usage_history WHERE event_type = 'UsageConsumed' "
                + "AND occurred_at >= '" + BASE + "' AND occurred_at < '" + to + "' ORDER BY occurred_at, global_index";

        report.log("history: ceiling, COPY of " + rows + " rows");
        double[] copyBefore = copy(database, query);

        // idle heap of the service, the baseline of its peak
        double idlePeak = 0;
        for (int i = 0; i < 20; i++) {
            idlePeak = Math.max(idlePeak, service.heapUsed());
            Thread.sleep(100);
        }

        report.log("history: export of " + rows + " rows");
        long gcOffset = service.gcLogLength();
        AtomicBoolean exporting = new AtomicBoolean(true);
        AtomicReference<Double> sampledPeak = new AtomicReference<>(0.0);
        Thread sampler = new Thread(
                () -> {
                    while (exporting.get()) {
                        try {
                            double used = service.heapUsed();
                            sampledPeak.accumulateAndGet(used, Math::max);
                            Thread.sleep(100);
                        } catch (InterruptedException e) {
                            return;
                        } catch (IOException | RuntimeException e) {
                            // a sample missed; the GC log still has the peaks
                        }
                    }
                },
                "bench-heap-sampler");
        sampler.setDaemon(true);
        long lines = 0;
        int status;
        long start = System.nanoTime();
        sampler.start();
        try {
            HttpResponse<InputStream> response = service.http()
                    .send(
                            HttpRequest.newBuilder(service.uri("/api/v1/usage/export?from=" + BASE + "&to=" + to))
                                    .header("Authorization", "Bearer " + AdminClient.READER_TOKEN)
                                    .build(),
                            HttpResponse.BodyHandlers.ofInputStream());
            status = response.statusCode();
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8), 1 << 16)) {
                while (reader.readLine() != null) {
                    lines++;
                }
            }
        } finally {
            exporting.set(false);
            sampler.join(5_000);
        }
        double exportSeconds = (System.nanoTime() - start) / 1e9;
        Thread.sleep(500);
        List<ServiceProcess.Collection> collections = service.collectionsSince(gcOffset);
        double gcPeak = collections.stream()
                .mapToLong(ServiceProcess.Collection::before)
                .max()
                .orElse(0);
        double retained = collections.stream()
                .mapToLong(ServiceProcess.Collection::after)
                .max()
                .orElse(0);
        long capacity = collections.stream()
                .mapToLong(ServiceProcess.Collection::capacity)
                .max()
                .orElse(0);
        double peak = Math.max(gcPeak, sampledPeak.get());

        double[] copyAfter = copy(database, query);
        double copyRate = Math.max(copyBefore[1], copyAfter[1]);
        double exportRate = (lines - 1) / exportSeconds;

        report.check(
                NAME,
                "the export answered 200 with a header and one line per row",
                status == 200 && lines == rows + 1L,
                "status " + status + ", " + lines + " lines for " + rows + " rows");
        report.check(
                NAME,
                "COPY saw every row",
                copyBefore[0] == rows && copyAfter[0] == rows,
                (long) copyBefore[0] + " and " + (long) copyAfter[0] + " rows");
        report.check(NAME, "the service is still running after the export", service.alive(), null);

        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("rows", rows);
        detail.put("exportSeconds", Percentiles.round(exportSeconds));
        detail.put("copyRowsPerSecondBefore", Percentiles.round(copyBefore[1]));
        detail.put("copyRowsPerSecondAfter", Percentiles.round(copyAfter[1]));
        detail.put("serviceXmx", settings.serviceHeap());
        detail.put("idleHeapMiB", mib(idlePeak));
        detail.put("sampledPeakHeapMiB", mib(sampledPeak.get()));
        detail.put("gcLogPeakBeforeCollectionMiB", mib(gcPeak));
        detail.put("gcLogMaxAfterCollectionMiB", mib(retained));
        detail.put("gcLogHeapCapacityMiB", mib(capacity));
        detail.put("collectionsDuringExport", collections.size());
        report.detail(NAME, "export", detail);

        report.figure(
                NAME,
                "usage export, " + rows + " rows as CSV over HTTP",
                exportRate,
                "rows/s",
                "Postgres COPY of the same rows to CSV (ceiling)",
                copyRate,
                "export / COPY");
        report.figure(
                NAME,
                "usage export: peak heap of the service (-Xmx" + settings.serviceHeap() + ")",
                mib(peak),
                "MiB",
                "the idle service's heap, sampled just before",
                mib(idlePeak),
                "peak / idle");
        if (!collections.isEmpty()) {
            report.figure(
                    NAME,
                    "usage export: most heap still in use after a collection",
                    mib(retained),
                    "MiB",
                    "heap capacity (GC log)",
                    mib(capacity),
                    "retained / capacity");
        }
        report.log("history: export " + Report.number(exportRate) + " rows/s, COPY " + Report.number(copyRate)
                + " rows/s, peak heap " + Report.number(mib(peak)) + " MiB");
    }

    /** COPY of the export's query to CSV; @return {rows, rows per second} */
    private static double[] copy(TestDatabase.Database database, String query) throws SQLException, IOException {
        try (Connection connection = database.connect()) {
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            long start = System.nanoTime();
            long copied = copy.copyOut(
                    "COPY (" + query + ") TO STDOUT WITH (FORMAT csv, HEADER true)", OutputStream.nullOutputStream());
            double seconds = (System.nanoTime() - start) / 1e9;
            return new double[] {copied, copied / seconds};
        }
    }

    private static double mib(double bytes) {
        return Percentiles.round(bytes / 1024.0 / 1024.0);
    }
}
