package dev.ledger.bench;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * An anchor of the ingest scenario (a {@link SeedLambdaBaseline} in one of its modes) in a JVM of its own, started
 * like the ledger's ({@link #jvmOptions}), so that its CPU can be read from {@code /proc} apart from everything else.
 * It publishes, like the ledger, {@code ledger_projection_delay_seconds{processor="entitlement-table"}} (SentTimestamp
 * until the item write was acknowledged) with the same buckets, and the AWS requests it made ({@link AwsAccounting}),
 * at {@code /metrics}; {@code /count} answers the number of messages applied.
 */
final class AnchorProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private AnchorProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The JVM options of every consumer process of the benchmark: the ledger's and the anchors'. */
    static List<String> jvmOptions(String heap) {
        return List.of("-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-D" + AwsAccounting.PROPERTY + "=true");
    }

    static AnchorProcess start(
            SeedLambdaBaseline.Mode mode,
            String heap,
            Path directory,
            String sqsEndpoint,
            String dynamoEndpoint,
            String queueUrl,
            String table,
            int invocations,
            long limit)
            throws IOException, InterruptedException {
        Files.createDirectories(directory);
        int port = dev.ledger.support.TestDynamoDb.freePort();
        Path log = directory.resolve(mode.name().toLowerCase() + ".log").toAbsolutePath();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions(heap));
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                AnchorProcess.class.getName(),
                mode.name(),
                sqsEndpoint,
                dynamoEndpoint,
                queueUrl,
                table,
                Integer.toString(invocations),
                Long.toString(limit),
                Integer.toString(port)));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        AnchorProcess anchor = new AnchorProcess(process, port, log);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (true) {
            try {
                anchor.count();
                return anchor;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    anchor.close();
                    throw new IllegalStateException(
                            "anchor " + mode + " did not start: " + Files.readString(log), notYet);
                }
                Thread.sleep(200);
            }
        }
    }

    long pid() {
        return process.pid();
    }

    /** Messages applied so far. */
    long count() throws IOException, InterruptedException {
        return Long.parseLong(get("/count").trim());
    }

    /** Its metrics, Prometheus text. */
    String scrape() throws IOException, InterruptedException {
        return get("/metrics");
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(path + " answered " + response.statusCode());
        }
        return response.body();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    Path log() {
        return log;
    }

    /** The anchor's JVM: mode sqsEndpoint dynamoEndpoint queueUrl table invocations limit port. */
    public static void main(String[] args) throws Exception {
        SeedLambdaBaseline.Mode mode = SeedLambdaBaseline.Mode.valueOf(args[0]);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Metrics.addRegistry(registry);
        Timer delay = Timer.builder(DelayHistogram.TIMER)
                .tag("processor", "entitlement-table")
                .publishPercentileHistogram()
                .serviceLevelObjectives(DelayHistogram.SLO_MILLIS.stream()
                        .map(Duration::ofMillis)
                        .toArray(Duration[]::new))
                .register(registry);
        SqsClient sqs = Clients.sqs(args[1]);
        DynamoDbClient dynamo = Clients.dynamo(args[2]);
        SeedLambdaBaseline consumer = new SeedLambdaBaseline(
                sqs, dynamo, args[3], args[4], Integer.parseInt(args[5]), mode, Long.parseLong(args[6]), delay);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[7])), 0);
        server.createContext("/count", exchange -> respond(exchange, Long.toString(consumer.succeeded.sum())));
        server.createContext("/metrics", exchange -> respond(exchange, registry.scrape()));
        server.start();
        consumer.start();
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
        System.out.println("anchor " + mode + " consuming " + args[3] + " " + Map.of("table", args[4]));
        forever.await();
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
