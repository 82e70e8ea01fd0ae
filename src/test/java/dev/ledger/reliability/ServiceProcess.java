package dev.ledger.reliability;

import static org.awaitility.Awaitility.await;

import dev.ledger.LedgerApplication;
import dev.ledger.support.ChildJvm;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The ledger service as a child JVM, which the suite can kill with SIGKILL and start again on the same port. */
final class ServiceProcess implements AutoCloseable {

    private final List<String> command;
    private final Path log;
    private final int port;
    private Process process;

    ServiceProcess(TestDatabase.Database database, int port, Path log, String... properties) {
        this.port = port;
        this.log = log;
        this.command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                LedgerApplication.class.getName(),
                "--server.port=" + port));
        command.addAll(List.of(LedgerInstances.arguments(database, properties)));
        // the test JVMs' flags (pom.xml test.jvm.flags): C1 only and the serial collector in ./mvnw verify, where a
        // start then costs less than half the CPU, about 15 s instead of 35 s on 2 cores; none in -Preliability
        command.addAll(1, ChildJvm.flags());
    }

    /** Starts the process and waits until it answers its health check. */
    ServiceProcess start() throws Exception {
        return launch().awaitStarted();
    }

    /** Starts the process without waiting for it, so that several can start at once; then {@link #awaitStarted}. */
    ServiceProcess launch() throws Exception {
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return this;
    }

    ServiceProcess awaitStarted() {
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("service exited during startup; see " + log);
                    }
                    try {
                        return http.send(
                                                HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/health"))
                                                        .build(),
                                                HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 200;
                    } catch (IOException notYet) {
                        return false;
                    }
                });
        return this;
    }

    /** SIGKILL: no shutdown hooks, no acknowledgement flush, nothing graceful. */
    void kill() throws Exception {
        process.destroyForcibly();
        process.waitFor();
        note("kill -9 of pid " + process.pid());
    }

    /** A line in the process's log, where the suite's steps can be found among the service's own lines. */
    void note(String line) throws IOException {
        Files.writeString(log, "==== " + line + " at " + Instant.now() + " ====\n", StandardOpenOption.APPEND);
    }

    @Override
    public String toString() {
        return log.getFileName().toString().replace(".log", "")
                + (process == null ? "" : " (pid " + process.pid() + ")");
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
    }
}
