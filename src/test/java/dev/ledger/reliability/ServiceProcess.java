package dev.ledger.reliability;

import static org.awaitility.Awaitility.await;

import dev.ledger.LedgerApplication;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
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
    }

    ServiceProcess start() throws Exception {
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
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
                    } catch (java.io.IOException notYet) {
                        return false;
                    }
                });
        return this;
    }

    /** SIGKILL: no shutdown hooks, no acknowledgement flush, nothing graceful. */
    void kill() throws Exception {
        process.destroyForcibly();
        process.waitFor();
        java.nio.file.Files.writeString(
                log,
                "==== kill -9 of pid " + process.pid() + " at " + java.time.Instant.now() + " ====\n",
                java.nio.file.StandardOpenOption.APPEND);
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
