package dev.ledger.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dynalite (an open-source DynamoDB emulator on Node.js) as a child process. The child exits when its standard input
 * closes, so it cannot outlive this JVM even after a SIGKILL; {@link #close()} stops it on a normal shutdown.
 */
public final class LocalDynamoDb implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalDynamoDb.class);

    private final Process process;
    private final OutputStream stdin;
    private final int port;

    private LocalDynamoDb(Process process, int port) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.port = port;
    }

    /**
     * Starts dynalite from {@code directory} (holding {@code run.js} and its {@code node_modules}, installed by the build).
     *
     * @param dataPath where dynalite keeps its tables on disk, or {@code null} to keep them in memory
     */
    public static LocalDynamoDb start(String node, Path directory, String host, int port, Path dataPath) {
        Path script = directory.resolve("run.js").toAbsolutePath();
        if (!Files.exists(script)
                || !Files.isDirectory(directory.resolve("node_modules").resolve("dynalite"))) {
            throw new IllegalStateException(
                    "dynalite is not installed in " + directory.toAbsolutePath() + ". The Maven "
                            + "build installs it (npm ci): run ./mvnw spring-boot:test-run or ./mvnw generate-test-resources. Or point "
                            + "spring.cloud.aws.dynamodb.endpoint at a real DynamoDB or a DynamoDB Local and set "
                            + "ledger.local.dynamodb-enabled=false.");
        }
        requireNode(node);
        List<String> command =
                new ArrayList<>(List.of(node, script.toString(), "--host", host, "--port", Integer.toString(port)));
        if (dataPath != null) {
            command.addAll(List.of("--path", dataPath.toAbsolutePath().toString()));
        }
        try {
            Process process = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .start();
            LocalDynamoDb dynamo = new LocalDynamoDb(process, port);
            dynamo.awaitListening();
            return dynamo;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start dynalite with " + command, e);
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    private void awaitListening() {
        BufferedReader output =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Void> listening = new CompletableFuture<>();
        Thread pump = new Thread(
                () -> {
                    try {
                        String line;
                        while ((line = output.readLine()) != null) {
                            if (line.startsWith("dynalite listening")) {
                                listening.complete(null);
                            }
                            log.info("[dynalite] {}", line);
                        }
                    } catch (IOException e) {
                        log.debug("dynalite output closed", e);
                    }
                    listening.completeExceptionally(new IllegalStateException("dynalite exited before listening"));
                },
                "dynalite-output");
        pump.setDaemon(true);
        pump.start();
        try {
            listening.get(30, TimeUnit.SECONDS);
            log.info("Embedded DynamoDB (dynalite) listening on 127.0.0.1:{}, pid {}", port, process.pid());
        } catch (TimeoutException e) {
            close();
            throw new IllegalStateException("dynalite did not start listening on port " + port + " within 30 s", e);
        } catch (Exception e) {
            close();
            throw new IllegalStateException(
                    "dynalite failed to start on port " + port + " (is the port in use? see the [dynalite] log lines)",
                    e);
        }
    }

    private static void requireNode(String node) {
        try {
            Process version = new ProcessBuilder(node, "--version")
                    .redirectErrorStream(true)
                    .start();
            String text = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!version.waitFor(10, TimeUnit.SECONDS) || version.exitValue() != 0) {
                throw new IOException("'" + node + " --version' failed: " + text);
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Node.js is required for the embedded DynamoDB (dynalite) but '" + node
                            + "' could not be run. Install Node.js 20 or newer (https://nodejs.org or your package manager), or "
                            + "point spring.cloud.aws.dynamodb.endpoint at a real DynamoDB or a DynamoDB Local and set "
                            + "ledger.local.dynamodb-enabled=false.",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking Node.js", e);
        }
    }

    /** Stops the child: closing its stdin asks it to exit; it is killed if it does not within 5 seconds. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // the pipe is already closed: the child is exiting anyway
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        log.info("Embedded DynamoDB (dynalite) stopped");
    }
}
