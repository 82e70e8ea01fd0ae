package dev.ledger.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The support console in a real browser: headless Chromium from the machine (Debian's {@code chromium} package, which
 * {@code .ci/run} installs), driven by {@code playwright-core} ({@code src/test/console}) against this test's running
 * service. Screenshots go to {@code target/console-screenshots/}. Without a Chromium the browser tests are skipped with
 * a message.
 */
@IntegrationTest
class ConsoleTest {

    static final Path CHROMIUM = Path.of(System.getProperty("ledger.test.chromium", "/usr/bin/chromium"));
    static final Path SCRIPTS = Path.of("target", "console-test").toAbsolutePath();
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots").toAbsolutePath();
    static final String USER = "console-user-1";

    @LocalServerPort
    int port;

    @Autowired
    TestRestTemplate http;

    @Autowired
    Ledger ledger;

    @Test
    void console_files_are_served_without_a_token_and_slash_console_is_its_index_page() throws Exception {
        HttpClient anonymous = HttpClient.newHttpClient();
        HttpResponse<String> index = anonymous.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/console/"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.body()).contains("<title>Ledger support console</title>");
        assertThat(index.headers().firstValue("Content-Security-Policy"))
                .as("the page may load and call nothing but this service")
                .hasValue(ConsoleConfiguration.CONTENT_SECURITY_POLICY);
        String script = index.body().replaceAll("(?s).*<script type=\"module\" crossorigin src=\"([^\"]+)\".*", "$1");
        assertThat(anonymous
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + script))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .as(script)
                .isEqualTo(200);
        assertThat(anonymous
                        .send(
                                HttpRequest.newBuilder(URI.create(
                                                "http://127.0.0.1:" + port + "/api/v1/users/" + USER + "/entitlements"))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .as("the API still needs a token")
                .isEqualTo(401);
    }

    @Test
    void a_reader_finds_a_user_and_sees_each_entitlements_used_of_limit_as_the_api_reports_it() throws Exception {
        grant(
                "AI_TUTOR_ACCESS",
                "{\"limit\":10,\"period\":\"MONTHLY\",\"anchor\":\"2025-01-01T00:00:00Z\","
                        + "\"overLimit\":\"REJECT\"}");
        grant(
                "EXPORTS",
                "{\"limit\":5,\"period\":\"DAILY\",\"anchor\":\"2025-01-01T00:00:00Z\","
                        + "\"overLimit\":\"RECORD_OVERAGE\"}");
        grant(
                "REPORTS",
                "{\"limit\":3,\"period\":\"WEEKLY\",\"anchor\":\"2025-01-06T00:00:00Z\","
                        + "\"overLimit\":\"REJECT\"}");
        grant("DASHBOARD", null);
        consume("AI_TUTOR_ACCESS", 4, "console-1");
        consume("EXPORTS", 7, "console-2");
        consume("REPORTS", 3, "console-3");
        JsonNode api = http.exchange(
                        "/api/v1/users/" + USER + "/entitlements", HttpMethod.GET, asReader(), JsonNode.class)
                .getBody();

        JsonNode seen = drive("userPage", AdminClient.READER_TOKEN);

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(seen.get("url").asText()).endsWith("/console/#/users/" + USER);
        assertThat(seen.get("cards")).hasSize(api.size());
        for (JsonNode entitlement : api) {
            JsonNode card = card(seen, entitlement.get("entitlementKey").asText());
            JsonNode usage = entitlement.get("usage");
            if (usage.isNull()) {
                assertThat(card.get("bar").isNull()).isTrue();
                continue;
            }
            long used = usage.get("used").asLong();
            long limit = usage.get("limit").asLong();
            assertThat(card.at("/bar/used").asLong()).isEqualTo(used);
            assertThat(card.at("/bar/limit").asLong()).isEqualTo(limit);
            assertThat(card.at("/bar/label").asText()).isEqualTo(used + " / " + limit);
            assertThat(card.at("/bar/atLimit").asBoolean())
                    .as("%s is red at the limit", entitlement.get("entitlementKey"))
                    .isEqualTo(used >= limit);
        }
        assertThat(card(seen, "AI_TUTOR_ACCESS").at("/bar/label").asText()).isEqualTo("4 / 10");
        assertThat(card(seen, "AI_TUTOR_ACCESS").at("/bar/atLimit").asBoolean()).isFalse();
        assertThat(card(seen, "REPORTS").at("/bar/atLimit").asBoolean())
                .as("red at the limit")
                .isTrue();
        assertThat(card(seen, "EXPORTS").at("/bar/overage").asText()).isEqualTo(" (overage 2)");
        assertThat(card(seen, "EXPORTS").get("text").asText()).contains("RECORD_OVERAGE", "DAILY");
        assertThat(SCREENSHOTS.resolve("user.png")).isNotEmptyFile();
    }

    @Test
    void a_refused_token_returns_to_sign_in_with_the_problems_code() throws Exception {
        JsonNode refused = drive("refusedToken", "not-a-token");

        assertThat(refused.get("url").asText()).contains("/console/#/sign-in");
        assertThat(refused.get("message").asText()).contains("Sign in again").contains("UNAUTHORIZED");
        assertThat(refused.get("stored").asInt())
                .as("the refused token is forgotten")
                .isZero();
        assertThat(refused.get("errors"))
                .as("only the browser's own note of the 401")
                .allSatisfy(error -> assertThat(error.asText()).contains("401"));
    }

    private JsonNode card(JsonNode seen, String key) {
        for (JsonNode card : seen.get("cards")) {
            if (card.get("entitlementKey").asText().equals(key)) {
                return card;
            }
        }
        throw new AssertionError("no card for " + key + " in " + seen);
    }

    private void grant(String key, String usage) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        String body = "{\"userId\":\"" + USER + "\",\"entitlementKey\":\"" + key + "\""
                + (usage == null ? "" : ",\"usage\":" + usage) + "}";
        ResponseEntity<String> created =
                http.exchange("/api/v1/entitlements", HttpMethod.POST, new HttpEntity<>(body, headers), String.class);
        assertThat(created.getStatusCode()).as(created.getBody()).isIn(HttpStatus.CREATED, HttpStatus.CONFLICT);
    }

    private void consume(String key, long amount, String dedupKey) {
        ledger.consume(new ConsumeUsage(
                EntitlementId.of(USER, key), amount, Instant.now(), dedupKey, Map.of(), "msg-" + dedupKey));
    }

    private static HttpEntity<Void> asReader() {
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(AdminClient.READER_TOKEN);
        return new HttpEntity<>(headers);
    }

    /** Runs one scenario of the browser script and returns what it saw. */
    private JsonNode drive(String scenario, String token) throws IOException, InterruptedException {
        assumeTrue(
                Files.isExecutable(CHROMIUM),
                "SKIPPED: no Chromium at " + CHROMIUM + "; install Debian's chromium (apt-get install -y chromium, as "
                        + ".ci/run does) or point -Dledger.test.chromium at one");
        Files.createDirectories(SCREENSHOTS);
        Path output = Files.createTempFile("console", ".json");
        Path log = Files.createTempFile("console", ".log");
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(List.of("node", "user-page.mjs")))
                .directory(SCRIPTS.toFile())
                .redirectOutput(output.toFile())
                .redirectError(log.toFile());
        builder.environment()
                .putAll(Map.of(
                        "SCENARIO",
                        scenario,
                        "CONSOLE_URL",
                        "http://127.0.0.1:" + port + "/console/",
                        "CHROMIUM",
                        CHROMIUM.toString(),
                        "TOKEN",
                        token,
                        "USER_ID",
                        USER,
                        "SCREENSHOTS",
                        SCREENSHOTS.toString()));
        Process browser = builder.start();
        boolean finished = browser.waitFor(2, TimeUnit.MINUTES);
        if (!finished) {
            browser.destroyForcibly().waitFor();
        }
        assertThat(finished)
                .as("the browser script finished: %s", Files.readString(log))
                .isTrue();
        assertThat(browser.exitValue())
                .as("the browser script's exit code; its output: %s", Files.readString(log))
                .isZero();
        return new ObjectMapper().readTree(output.toFile());
    }
}
