package dev.ledger.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one scenario of a browser script ({@code src/test/console/*.mjs}, built on {@code lib.mjs}) in headless
 * Chromium from the machine (Debian's {@code chromium} package, which {@code .ci/run} installs), driven by
 * {@code playwright-core} against a running service, and returns what the script saw. Screenshots go to
 * {@code target/console-screenshots/}. Without a Chromium the calling test is skipped with a message.
 */
final class ConsoleBrowser {

    static final Path CHROMIUM = Path.of(System.getProperty("ledger.test.chromium", "/usr/bin/chromium"));
    static final Path SCRIPTS = Path.of("target", "console-test").toAbsolutePath();
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots").toAbsolutePath();

    private final int port;

    ConsoleBrowser(int port) {
        this.port = port;
    }

    /**
     * {@code .ci/run} installs Chromium alongside the build when it is missing and names, in
     * {@code LEDGER_CHROMIUM_INSTALL}, a file that receives apt-get's exit code at the end. The browser tests wait for
     * it, and fail (rather than skip) when the install ended without a browser.
     */
    private static void awaitInstall() throws InterruptedException, IOException {
        String status = System.getenv("LEDGER_CHROMIUM_INSTALL");
        if (status == null || status.isBlank() || Files.isExecutable(CHROMIUM)) {
            return;
        }
        Path exitCode = Path.of(status);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (!Files.exists(exitCode) && System.nanoTime() < deadline) {
            Thread.sleep(1000);
        }
        assertThat(exitCode)
                .as("the install of Chromium by .ci/run ended within 10 minutes")
                .exists();
        assertThat(CHROMIUM)
                .as(
                        "Chromium after .ci/run's apt-get install (exit code %s)",
                        Files.readString(exitCode).trim())
                .isExecutable();
    }

    /**
     * Runs {@code scenario} of {@code script} signed in with {@code token}; {@code settings} become environment
     * variables of the script (USER_ID, …).
     */
    JsonNode drive(String script, String scenario, String token, Map<String, String> settings)
            throws IOException, InterruptedException {
        awaitInstall();
        assumeTrue(
                Files.isExecutable(CHROMIUM),
                "SKIPPED: no Chromium at " + CHROMIUM + "; install Debian's chromium (apt-get install -y chromium, as "
                        + ".ci/run does) or point -Dledger.test.chromium at one");
        Files.createDirectories(SCREENSHOTS);
        Path output = Files.createTempFile("console", ".json");
        Path log = Files.createTempFile("console", ".log");
        ProcessBuilder builder = new ProcessBuilder(List.of("node", script))
                .directory(SCRIPTS.toFile())
                .redirectOutput(output.toFile())
                .redirectError(log.toFile());
        Map<String, String> environment = new HashMap<>(settings);
        environment.put("SCENARIO", scenario);
        environment.put("CONSOLE_URL", "http://127.0.0.1:" + port + "/console/");
        environment.put("CHROMIUM", CHROMIUM.toString());
        environment.put("TOKEN", token);
        environment.put("SCREENSHOTS", SCREENSHOTS.toString());
        builder.environment().putAll(environment);
        Process browser = builder.start();
        boolean finished = browser.waitFor(3, TimeUnit.MINUTES);
        if (!finished) {
            browser.destroyForcibly().waitFor();
        }
        assertThat(finished)
                .as("the browser script %s %s finished: %s", script, scenario, Files.readString(log))
                .isTrue();
        assertThat(browser.exitValue())
                .as("the exit code of browser script %s %s; its output: %s", script, scenario, Files.readString(log))
                .isZero();
        return new ObjectMapper().readTree(output.toFile());
    }
}
