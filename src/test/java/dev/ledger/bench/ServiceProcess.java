package dev.ledger.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.LedgerApplication;
import dev.ledger.support.AdminClient;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import dev.ledger.support.TestDynamoDb;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service in a JVM of its own (as {@code ExportMemoryTest} starts it), with a fixed heap and a GC log, so that
 * its heap can be measured apart from the benchmark's. It uses the benchmark's ElasticMQ and dynalite.
 */
final class ServiceProcess implements AutoCloseable {

    /** {@code 123M->45M(256M)} in a unified GC log line: heap before and after a collection, and its size. */
    private static final Pattern GC_LINE = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final Path log;
    private final Path gcLog;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private ServiceProcess(Process process, int port, Path log, Path gcLog) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.gcLog = gcLog;
    }

    /** Starts the service with {@code -Xmx<heap>} and waits until its health answers 200. */
    static ServiceProcess start(TestDatabase.Database database, String heap, Path directory, String... properties)
            throws IOException, InterruptedException {
        return start(database, List.of("-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError"), directory, properties);
    }

    /** Starts the service with these JVM options and waits until its health answers 200. */
    static ServiceProcess start(
            TestDatabase.Database database, List<String> jvmOptions, Path directory, String... properties)
            throws IOException, InterruptedException {
        Files.createDirectories(directory);
        int port = TestDynamoDb.freePort();
        Path log = directory.resolve("service.log").toAbsolutePath();
        Path gcLog = directory.resolve("gc.log").toAbsolutePath();
        Files.deleteIfExists(gcLog);
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-Xlog:gc:file=" + gcLog,
                "-cp",
                System.getProperty("java.class.path"),
                LedgerApplication.class.getName(),
                "--server.port=" + port));
        command.addAll(List.of(LedgerInstances.arguments(database, properties)));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        ServiceProcess service = new ServiceProcess(process, port, log, gcLog);
        try {
            service.awaitHealthy(Duration.ofMinutes(3));
        } catch (IOException | InterruptedException | RuntimeException e) {
            service.close();
            throw e;
        }
        return service;
    }

    private void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service died while starting: " + tail());
            }
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(uri("/actuator/health"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the service did not become healthy within " + timeout + ": " + tail());
            }
            Thread.sleep(1_000);
        }
    }

    long pid() {
        return process.pid();
    }

    /** Its metrics, Prometheus text ({@code /actuator/prometheus}). */
    String scrape() throws IOException, InterruptedException {
        return get("/actuator/prometheus");
    }

    /**
     * How many events {@code processor} has recorded in {@code ledger.projection.delay}: messages it applied. Read
     * from the Prometheus scrape narrowed to that family (cumulative; {@code /actuator/metrics} shows a step
     * registry's count of the last minute). The scrape costs the service a few ms: read it rarely.
     */
    long delayCount(String processor) throws IOException, InterruptedException {
        Map<String, Double> samples =
                DelayHistogram.parse(get("/actuator/prometheus?includedNames=" + DelayHistogram.METRIC));
        return (long) DelayHistogram.sum(samples, DelayHistogram.METRIC + "_count", Map.of("processor", processor));
    }

    private String get(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri(pathAndQuery))
                        .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(pathAndQuery + " answered " + response.statusCode());
        }
        return response.body();
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    HttpClient http() {
        return http;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Heap in use now, from the service's own metrics ({@code jvm.memory.used}, area heap), in bytes. */
    double heapUsed() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri("/actuator/metrics/jvm.memory.used?tag=area:heap"))
                        .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "jvm.memory.used answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode measurements = JSON.readTree(response.body()).path("measurements");
        return measurements.path(0).path("value").asDouble();
    }

    /** How far the GC log has been written; pass it to {@link #collectionsSince} to read what follows. */
    long gcLogLength() throws IOException {
        return Files.exists(gcLog) ? Files.size(gcLog) : 0;
    }

    /** Heap before and after one collection, in bytes. */
    record Collection(long before, long after, long capacity) {}

    /** The collections the GC log recorded after {@code offset}. */
    List<Collection> collectionsSince(long offset) throws IOException {
        List<Collection> collections = new ArrayList<>();
        if (!Files.exists(gcLog)) {
            return collections;
        }
        byte[] bytes;
        try (RandomAccessFile file = new RandomAccessFile(gcLog.toFile(), "r")) {
            long length = file.length();
            if (length <= offset) {
                return collections;
            }
            bytes = new byte[(int) (length - offset)];
            file.seek(offset);
            file.readFully(bytes);
        }
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            Matcher matcher = GC_LINE.matcher(line);
            if (matcher.find()) {
                collections.add(new Collection(
                        bytes(matcher.group(1), matcher.group(2)),
                        bytes(matcher.group(3), matcher.group(4)),
                        bytes(matcher.group(5), matcher.group(6))));
            }
        }
        return collections;
    }

    private static long bytes(String amount, String unit) {
        long value = Long.parseLong(amount);
        return switch (unit) {
            case "K" -> value * 1024;
            case "M" -> value * 1024 * 1024;
            case "G" -> value * 1024 * 1024 * 1024;
            default -> value;
        };
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log)";
        }
    }

    /** Stops the service (SIGTERM, then SIGKILL after 30 s). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
