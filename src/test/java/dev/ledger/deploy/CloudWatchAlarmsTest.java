package dev.ledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.local.LocalLedgerApplication;
import dev.ledger.projection.Projection;
import dev.ledger.support.TestDatabase;
import dev.ledger.support.TestDynamoDb;
import dev.ledger.support.TestSqs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The alarms of {@code infra/} against the metrics the service really publishes. The application runs with the real
 * {@code micrometer-registry-cloudwatch2} registry and CloudWatch client, as in the {@code aws} profile, but the
 * client's endpoint is a local HTTP server standing in for CloudWatch: it answers {@code PutMetricData} (AWS query
 * protocol) and keeps every datum. Every alarm on a metric of the {@code Ledger} namespace must name a metric that was
 * published, with exactly the alarm's dimensions (CloudWatch matches the whole dimension set). Then the entitlement
 * table projection is stalled, and the published lag must cross the projection-lag alarm's threshold.
 *
 * <p>Its own database, queue and table names, and no SQS listener, so nothing it does reaches the other tests'
 * contexts. Its context is closed after the class ({@link DirtiesContext}): nothing else shares its configuration,
 * and left in Spring's test-context cache it would go on publishing every second until the JVM exits.
 */
@ExtendWith(CloudWatchAlarmsTest.StopCloudWatchAfterTheApplication.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext
@ActiveProfiles(LocalLedgerApplication.PROFILE)
class CloudWatchAlarmsTest {

    private static final String NAMESPACE = "Ledger";

    /** One published datum: metric name, dimensions (sorted) and value. */
    record Datum(String namespace, String name, Map<String, String> dimensions, double value) {}

    private static final List<Datum> PUBLISHED = new CopyOnWriteArrayList<>();
    private static final List<String> OPERATIONS = new CopyOnWriteArrayList<>();
    /** Started with the class (before its application, which publishes to it), stopped after the application. */
    private static final HttpServer cloudWatch = startCloudWatch();

    @Autowired
    Ledger ledger;

    @Autowired
    EventProcessingConfiguration processing;

    private static HttpServer startCloudWatch() {
        HttpServer cloudWatch;
        try {
            cloudWatch = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cloudWatch.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                    body = in.readAllBytes();
                }
            }
            Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
            OPERATIONS.add(form.getOrDefault("Action", "?"));
            PUBLISHED.addAll(data(form));
            byte[] answer = ("<PutMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
                            + "<ResponseMetadata><RequestId>test</RequestId></ResponseMetadata></PutMetricDataResponse>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/xml");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        cloudWatch.start();
        return cloudWatch;
    }

    /**
     * Stops the fake CloudWatch after the application has closed ({@link DirtiesContext}): closing, the meter registry
     * publishes once more, and against a stopped server the SDK would retry each batch for some 10 s. Declared before
     * {@code @SpringBootTest}, so JUnit calls it after the Spring extension.
     */
    static class StopCloudWatchAfterTheApplication implements AfterAllCallback {
        @Override
        public void afterAll(ExtensionContext context) {
            cloudWatch.stop(0);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.newDatabase().springProperties().forEach((name, value) -> registry.add(name, () -> value));
        // the JVM's test SQS and DynamoDB servers under names of its own, instead of starting the local run's
        TestSqs.springProperties().forEach((name, value) -> registry.add(name, () -> value));
        TestDynamoDb.springProperties().forEach((name, value) -> registry.add(name, () -> value));
        registry.add("ledger.environment", () -> "cloudwatch");
        registry.add("management.cloudwatch.metrics.export.enabled", () -> "true");
        registry.add("management.cloudwatch.metrics.export.step", () -> "1s");
        registry.add(
                "spring.cloud.aws.cloudwatch.endpoint",
                () -> "http://127.0.0.1:" + cloudWatch.getAddress().getPort());
        registry.add("spring.cloud.aws.cloudwatch.region", () -> "us-east-1");
        registry.add("ledger.sqs.listener-enabled", () -> "false");
        registry.add("ledger.projections.metrics-interval", () -> "250ms");
    }

    /** An alarm of {@code infra/} on a metric of the service's own namespace. */
    record Alarm(String name, String metric, Map<String, String> dimensions, String threshold, String comparison) {}

    @Test
    void every_alarm_on_the_ledger_namespace_names_a_metric_the_service_publishes_with_its_dimensions()
            throws Exception {
        List<Alarm> alarms = ledgerAlarms();
        assertThat(alarms)
                .as("alarms on the Ledger namespace in infra/")
                .extracting(Alarm::metric)
                .contains("ledger.projection.lag.events.value", "ledger.intake.dead.lettered.count");

        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(OPERATIONS).contains("PutMetricData"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (Alarm alarm : alarms) {
                assertThat(PUBLISHED)
                        .as(() -> "alarm " + alarm.name() + ": metric " + alarm.metric() + " with dimensions exactly "
                                + alarm.dimensions() + "; published: " + publishedNames())
                        .anySatisfy(datum -> {
                            assertThat(datum.namespace()).isEqualTo(NAMESPACE);
                            assertThat(datum.name()).isEqualTo(alarm.metric());
                            assertThat(datum.dimensions()).isEqualTo(alarm.dimensions());
                        });
            }
        });
    }

    @Test
    void a_stalled_projection_publishes_a_lag_above_the_alarm_threshold_and_back_to_zero_once_it_resumes()
            throws Exception {
        Alarm alarm = ledgerAlarms().stream()
                .filter(a -> a.metric().startsWith("ledger.projection.lag.events"))
                .findFirst()
                .orElseThrow();
        assertThat(alarm.comparison()).isEqualTo("GreaterThanThreshold");
        long threshold = threshold(alarm.threshold());
        assertThat(threshold).as("projection-lag alarm threshold").isPositive();

        StreamingEventProcessor projection = processing
                .eventProcessor(Projection.DYNAMODB.processor(), StreamingEventProcessor.class)
                .orElseThrow();
        projection.shutDown();
        try {
            EntitlementId id = EntitlementId.of("cloudwatch-lag-user", "AI_TUTOR_ACCESS");
            ledger.send(
                    id,
                    new GrantEntitlement(
                            id,
                            true,
                            new UsagePolicy(1_000_000L, Period.MONTHLY, null, OverLimit.REJECT),
                            Instant.now()),
                    Map.of());
            for (long i = 0; i <= threshold; i++) {
                ledger.consume(new ConsumeUsage(id, 1, Instant.now(), "cloudwatch-lag-" + i, Map.of(), null));
            }
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(lagPublished(alarm))
                            .as("published %s %s", alarm.metric(), alarm.dimensions())
                            .isPresent()
                            .get(org.assertj.core.api.InstanceOfAssertFactories.DOUBLE)
                            .isGreaterThan((double) threshold));
        } finally {
            projection.start();
        }
        await().atMost(Duration.ofSeconds(90))
                .untilAsserted(() -> assertThat(lagPublished(alarm)).contains(0.0));
    }

    private static String publishedNames() {
        return PUBLISHED.stream()
                .filter(datum -> datum.name().startsWith("ledger."))
                .map(datum -> datum.name() + datum.dimensions())
                .distinct()
                .sorted()
                .toList()
                .toString();
    }

    /** The latest published value of the alarm's metric. */
    private static Optional<Double> lagPublished(Alarm alarm) {
        Double latest = null;
        for (Datum datum : PUBLISHED) {
            if (datum.name().equals(alarm.metric()) && datum.dimensions().equals(alarm.dimensions())) {
                latest = datum.value();
            }
        }
        return Optional.ofNullable(latest);
    }

    /** A literal threshold, or {@code ${var.NAME}} resolved to the variable's default in variables.tf. */
    private static long threshold(String threshold) throws Exception {
        if (!threshold.startsWith("${var.")) {
            return (long) Double.parseDouble(threshold);
        }
        String variable = threshold.substring("${var.".length(), threshold.length() - 1);
        Path file = TerraformTest.SERVICE.resolve("variables.tf");
        JsonNode parsed = TerraformTest.parseHcl(List.of(file)).get(TerraformTest.relative(file));
        JsonNode declared = parsed.path("variable").path(variable).path(0).path("default");
        assertThat(declared.isNumber())
                .as("numeric default of variable %s", variable)
                .isTrue();
        return declared.asLong();
    }

    /** Every aws_cloudwatch_metric_alarm of the service on the Ledger namespace, read with the HCL parser. */
    private static List<Alarm> ledgerAlarms() throws Exception {
        List<Path> files;
        try (Stream<Path> list = Files.list(TerraformTest.SERVICE)) {
            files = list.filter(path -> path.toString().endsWith(".tf"))
                    .sorted()
                    .toList();
        }
        JsonNode parsed = TerraformTest.parseHcl(files);
        List<Alarm> alarms = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> fileIt = parsed.fields(); fileIt.hasNext(); ) {
            JsonNode resources = fileIt.next().getValue().path("resource").path("aws_cloudwatch_metric_alarm");
            for (Iterator<Map.Entry<String, JsonNode>> it = resources.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                for (JsonNode body : entry.getValue()) {
                    if (!NAMESPACE.equals(body.path("namespace").asText())) {
                        continue;
                    }
                    Map<String, String> dimensions = new TreeMap<>();
                    body.path("dimensions")
                            .fields()
                            .forEachRemaining(
                                    d -> dimensions.put(d.getKey(), d.getValue().asText()));
                    dimensions
                            .values()
                            .forEach(value -> assertThat(value)
                                    .as("alarm %s: a literal dimension", entry.getKey())
                                    .doesNotContain("${"));
                    alarms.add(new Alarm(
                            entry.getKey(),
                            body.path("metric_name").asText(),
                            dimensions,
                            body.path("threshold").asText(),
                            body.path("comparison_operator").asText()));
                }
            }
        }
        return alarms;
    }

    /** The fields of an AWS query-protocol form body. */
    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                form.put(
                        URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    /** {@code MetricData.member.N.*} of a PutMetricData request. */
    private static List<Datum> data(Map<String, String> form) {
        String namespace = form.get("Namespace");
        List<Datum> data = new ArrayList<>();
        for (int n = 1; form.containsKey("MetricData.member." + n + ".MetricName"); n++) {
            String prefix = "MetricData.member." + n + ".";
            Map<String, String> dimensions = new TreeMap<>();
            for (int d = 1; form.containsKey(prefix + "Dimensions.member." + d + ".Name"); d++) {
                dimensions.put(
                        form.get(prefix + "Dimensions.member." + d + ".Name"),
                        form.get(prefix + "Dimensions.member." + d + ".Value"));
            }
            String value = form.get(prefix + "Value");
            data.add(new Datum(
                    namespace,
                    form.get(prefix + "MetricName"),
                    dimensions,
                    value == null ? Double.NaN : Double.parseDouble(value)));
        }
        return data;
    }
}
