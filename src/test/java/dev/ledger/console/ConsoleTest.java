package dev.ledger.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;

/**
 * The support console in a real browser ({@link ConsoleBrowser}): the files are served without a token, sign-in, the
 * user page's cards and timeline. Screenshots go to {@code target/console-screenshots/}.
 */
@IntegrationTest
class ConsoleTest {

    static final String USER = "console-user-1";
    static final String TIMELINE_USER = "console-timeline-1";

    @LocalServerPort
    int port;

    @Autowired
    TestRestTemplate http;

    @Autowired
    ApplicationContext app;

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
        ConsoleSeed seed = new ConsoleSeed(app);
        seed.grant(
                USER,
                "AI_TUTOR_ACCESS",
                "{\"limit\":10,\"period\":\"MONTHLY\",\"anchor\":\"2025-01-01T00:00:00Z\","
                        + "\"overLimit\":\"REJECT\"}");
        seed.grant(
                USER,
                "EXPORTS",
                "{\"limit\":5,\"period\":\"DAILY\",\"anchor\":\"2025-01-01T00:00:00Z\","
                        + "\"overLimit\":\"RECORD_OVERAGE\"}");
        seed.grant(
                USER,
                "REPORTS",
                "{\"limit\":3,\"period\":\"WEEKLY\",\"anchor\":\"2025-01-06T00:00:00Z\","
                        + "\"overLimit\":\"REJECT\"}");
        seed.grant(USER, "DASHBOARD", null);
        seed.consume(USER, "AI_TUTOR_ACCESS", 4, Instant.now(), "console-1");
        seed.consume(USER, "EXPORTS", 7, Instant.now(), "console-2");
        seed.consume(USER, "REPORTS", 3, Instant.now(), "console-3");
        seed.projected();
        JsonNode api = seed.read("/api/v1/users/" + USER + "/entitlements");

        JsonNode seen = browser().drive("user-page.mjs", "userPage", AdminClient.READER_TOKEN, Map.of("USER_ID", USER));

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
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("user.png")).isNotEmptyFile();
    }

    @Test
    void the_timeline_pages_through_the_users_history_newest_first_with_rejections_and_filters_by_type()
            throws Exception {
        ConsoleSeed seed = new ConsoleSeed(app);
        seed.threeWindows(TIMELINE_USER);
        List<JsonNode> api = seed.history(TIMELINE_USER, null);
        assertThat(api).as("more than one page of the timeline").hasSizeGreaterThan(20);

        JsonNode seen = browser()
                .drive("user-page.mjs", "timeline", AdminClient.READER_TOKEN, Map.of("USER_ID", TIMELINE_USER));

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(seen.get("firstPage").asInt()).as("the first page").isEqualTo(20);
        List<String> shown = new ArrayList<>();
        seen.get("all").forEach(entry -> shown.add(key(entry)));
        assertThat(shown)
                .as("every entry of the API, in its order (newest first), over every page")
                .containsExactlyElementsOf(api.stream().map(ConsoleTest::key).toList());
        assertThat(seen.get("rejectionDetails").asText())
                .contains("LIMIT_EXCEEDED")
                .contains(TIMELINE_USER + "-too-much");
        assertThat(seen.get("consumptionDetails").asText())
                .contains("message id", "dedup key", "metadata", "console-test");
        JsonNode rejections = seen.get("rejectedOnly");
        assertThat(rejections).isNotEmpty();
        assertThat(rejections.size()).isEqualTo((int) api.stream()
                .filter(e -> e.get("type").asText().equals("UsageRejected"))
                .count());
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("user-timeline.png")).isNotEmptyFile();
    }

    @Test
    void a_refused_token_returns_to_sign_in_with_the_problems_code() throws Exception {
        JsonNode refused = browser().drive("user-page.mjs", "refusedToken", "not-a-token", Map.of());

        assertThat(refused.get("url").asText()).contains("/console/#/sign-in");
        assertThat(refused.get("message").asText()).contains("Sign in again").contains("UNAUTHORIZED");
        assertThat(refused.get("stored").asInt())
                .as("the refused token is forgotten")
                .isZero();
        assertThat(refused.get("errors"))
                .as("only the browser's own note of the 401")
                .allSatisfy(error -> assertThat(error.asText()).contains("401"));
    }

    /** An entry's identity: its event position, or the rejection's id. */
    private static String key(JsonNode entry) {
        JsonNode position = entry.get("position");
        return position != null && !position.isNull()
                ? "event " + position.asLong()
                : "rejection " + entry.get("rejectionId").asLong();
    }

    private ConsoleBrowser browser() {
        return new ConsoleBrowser(port);
    }

    private JsonNode card(JsonNode seen, String key) {
        for (JsonNode card : seen.get("cards")) {
            if (card.get("entitlementKey").asText().equals(key)) {
                return card;
            }
        }
        throw new AssertionError("no card for " + key + " in " + seen);
    }
}
