package dev.ledger.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.PeriodCalendar;
import dev.ledger.entitlement.PeriodWindow;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;

/**
 * The entitlement page in a real browser ({@link ConsoleBrowser}, {@code src/test/console/entitlement-page.mjs}): the
 * bar and the chart's points equal the API's numbers, the explanation and the lookup, and ADMIN's actions (a reversal
 * with its preview, a reset, deactivation, a policy change) redraw the page without a reload. Screenshots
 * {@code entitlement*.png}.
 */
@IntegrationTest
class EntitlementPageTest {

    static final String SEEDED = "cons-ent-1";
    static final String REVERSING = "cons-ent-2";
    static final String ACTING = "cons-ent-3";
    static final String KEY = ConsoleSeed.THREE_WINDOWS_KEY;
    static final String SCRIPT = "entitlement-page.mjs";

    /** The three-window user is seeded once for the tests that only read it (it waits for a dead letter). */
    private static boolean seeded;

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext app;

    @Autowired
    TestRestTemplate http;

    private synchronized ConsoleSeed seeded() {
        ConsoleSeed seed = new ConsoleSeed(app);
        if (!seeded) {
            seed.threeWindows(SEEDED);
            seeded = true;
        }
        return seed;
    }

    @Test
    void the_bar_and_every_point_of_the_chart_equal_the_apis_numbers_over_three_windows() throws Exception {
        ConsoleSeed seed = seeded();
        JsonNode usage = seed.read(path(SEEDED)).get("usage");
        List<Point> expected = points(usage, seed.history(SEEDED, KEY));

        JsonNode seen = drive("chart", AdminClient.READER_TOKEN, SEEDED, Map.of());

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(seen.get("heading").asText()).contains(KEY).contains(SEEDED);
        assertThat(seen.get("userLink").asText()).isEqualTo("#/users/" + SEEDED);
        assertThat(seen.at("/bar/used").asLong()).isEqualTo(usage.get("used").asLong());
        assertThat(seen.at("/bar/limit").asLong()).isEqualTo(usage.get("limit").asLong());
        assertThat(seen.at("/bar/label").asText()).isEqualTo(usage.get("used").asLong() + " / " + usage.get("limit"));
        assertThat(seen.get("canvas").asInt()).as("uPlot's canvas").isPositive();
        List<Point> shown = shown(seen.get("points"));
        assertThat(shown).as("every point but now, in order").containsExactlyElementsOf(expected);
        JsonNode now = last(seen.get("points"));
        assertThat(now.get("kind").asText()).isEqualTo("now");
        assertThat(now.get("used").asLong())
                .as("the chart ends at the state API's used")
                .isEqualTo(usage.get("used").asLong());
        // the seed: 6 usages of 1 in each of three daily windows, the two earlier ones counted late
        Instant current = Instant.parse(usage.get("periodStart").asText());
        assertThat(shown.stream().map(Point::window).distinct())
                .containsExactly(current.minus(Duration.ofDays(2)), current.minus(Duration.ofDays(1)), current);
        assertThat(shown.stream().filter(p -> p.kind().equals("consumed"))).hasSize(18);
        assertThat(finals(shown).values()).containsOnly(6L);
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("entitlement.png")).isNotEmptyFile();
    }

    @Test
    void a_reader_sees_no_actions_but_the_explanation_and_the_lookup_work() throws Exception {
        ConsoleSeed seed = seeded();
        JsonNode usage = seed.read(path(SEEDED)).get("usage");
        Instant yesterday = Instant.parse(usage.get("periodStart").asText()).minus(Duration.ofDays(1));
        JsonNode explainNow = seed.read(path(SEEDED) + "/explain");
        JsonNode explainYesterday = seed.read(path(SEEDED) + "/explain?at=" + yesterday);
        String counted = SEEDED + "-today-0";
        String rejected = SEEDED + "-too-much";
        String query = "?userId=" + SEEDED + "&entitlementKey=" + KEY;
        JsonNode countedRecord = seed.read("/api/v1/usage/records/" + counted + query);
        JsonNode rejectedRecord = seed.read("/api/v1/usage/records/" + rejected + query);

        JsonNode seen = drive(
                "reader",
                AdminClient.READER_TOKEN,
                SEEDED,
                Map.of("EARLIER", yesterday.toString(), "COUNTED_KEY", counted, "REJECTED_KEY", rejected));

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(seen.get("buttons")).as("READER sees no action buttons").isEmpty();
        assertThat(seen.get("actionsPanel").asInt()).isZero();
        assertThat(seen.get("choices"))
                .as("the current window and two before it")
                .hasSize(3);
        assertExplained(seen.get("current"), explainNow);
        assertExplained(seen.get("earlier"), explainYesterday);
        assertThat(Instant.parse(seen.at("/earlier/periodStart").asText())).isEqualTo(yesterday);
        assertThat(seen.at("/current/tableCheck").asText()).contains("agrees");

        assertThat(seen.at("/counted/status").asText())
                .isEqualTo(countedRecord.get("status").asText())
                .isEqualTo("COUNTED");
        assertThat(seen.at("/counted/amount").asText())
                .isEqualTo(countedRecord.get("amount").asText());
        assertThat(seen.at("/counted/reversed").asText()).isEqualTo("0");
        assertThat(texts(seen.at("/counted/messageIds")))
                .containsExactlyElementsOf(texts(countedRecord.get("messageIds")));
        assertThat(seen.at("/rejected/status").asText())
                .isEqualTo(rejectedRecord.get("status").asText())
                .isEqualTo("REJECTED");
        assertThat(texts(seen.at("/rejected/reasonCodes")))
                .isNotEmpty()
                .containsOnly("LIMIT_EXCEEDED")
                .hasSize(rejectedRecord.get("rejections").size());
        assertThat(seen.at("/rejected/text").asText()).contains("LIMIT_EXCEEDED", "RETRY");
    }

    @Test
    void at_1024_px_wide_nothing_overflows_sideways() throws Exception {
        seeded();
        JsonNode seen = drive("narrow", AdminClient.ADMIN_TOKEN, SEEDED, Map.of("COUNTED_KEY", SEEDED + "-today-1"));

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(seen.get("scrollWidth").asInt()).isLessThanOrEqualTo(1024);
        assertThat(seen.get("chartWidth").asDouble()).isLessThanOrEqualTo(1024);
        assertThat(seen.get("plotWidth").asDouble())
                .as("the chart fits its container, not cut off")
                .isLessThanOrEqualTo(seen.get("containerWidth").asDouble());
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("entitlement-1024.png")).isNotEmptyFile();
    }

    @Test
    void admin_reverses_a_usage_with_a_reason_after_a_preview_that_matches_the_apis_dry_run() throws Exception {
        ConsoleSeed seed = new ConsoleSeed(app);
        seed.grant(
                REVERSING,
                KEY,
                "{\"limit\":10,\"period\":\"DAILY\",\"anchor\":\"2025-01-01T00:00:00Z\",\"overLimit\":\"REJECT\"}");
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        seed.consume(REVERSING, KEY, 2, today.minus(Duration.ofHours(5)), REVERSING + "-yesterday");
        seed.consume(REVERSING, KEY, 3, Instant.now(), REVERSING + "-a");
        seed.consume(REVERSING, KEY, 2, Instant.now(), REVERSING + "-b");
        seed.consume(REVERSING, KEY, 1, Instant.now(), REVERSING + "-c");
        seed.projected();
        String reason = "charged twice, ticket 17-" + System.nanoTime();
        String body = "{\"dedupKey\":\"" + REVERSING + "-a\",\"amount\":1,\"reason\":\"dry run by the test\"}";
        JsonNode before = seed.read(path(REVERSING)).get("usage");
        JsonNode dryRun = exchange(HttpMethod.POST, path(REVERSING) + "/reversals?dryRun=true", body)
                .getBody();
        assertThat(dryRun.get("used").asLong()).isEqualTo(5);

        JsonNode seen = drive(
                "reverse",
                AdminClient.ADMIN_TOKEN,
                REVERSING,
                Map.of("DEDUP_KEY", REVERSING + "-a", "AMOUNT", "1", "REASON", reason));

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(seen.at("/barBefore/used").asLong())
                .isEqualTo(before.get("used").asLong());
        assertThat(seen.at("/preview/before").asLong())
                .isEqualTo(before.get("used").asLong());
        assertThat(seen.at("/preview/after").asLong())
                .isEqualTo(dryRun.get("used").asLong());
        assertThat(seen.at("/preview/current").asText())
                .isEqualTo(dryRun.get("current").asText());
        assertThat(seen.at("/preview/text").asText()).contains("1 of " + REVERSING + "-a", "leaving 2 unreversed");

        seed.projected();
        List<JsonNode> history = seed.history(REVERSING, KEY);
        List<JsonNode> reversals = history.stream()
                .filter(e -> e.get("type").asText().equals("UsageReversed"))
                .toList();
        assertThat(reversals).as("a double click on Confirm reverses once").hasSize(1);
        JsonNode after = seed.read(path(REVERSING)).get("usage");
        assertThat(after.get("used").asLong()).isEqualTo(before.get("used").asLong() - 1);
        assertThat(seen.at("/barAfter/used").asLong())
                .as("the bar dropped by the amount without a reload")
                .isEqualTo(after.get("used").asLong())
                .isEqualTo(seen.at("/barBefore/used").asLong() - 1);
        assertThat(seen.get("message").asText()).contains("Reversed 1 of " + REVERSING + "-a");

        assertThat(reversals.get(0).at("/details/reason").asText()).isEqualTo(reason);
        assertThat(seen.get("timeline").findValuesAsText("type")).contains("UsageReversed");
        assertThat(seen.get("timeline").toString()).contains(reason);

        List<Point> shown = shown(seen.get("points"));
        assertThat(shown).containsExactlyElementsOf(points(after, history));
        assertThat(shown.stream().filter(p -> p.kind().equals("reversed")))
                .as("the chart marks the reversal")
                .singleElement()
                .satisfies(p -> assertThat(p.used()).isEqualTo(2));
        assertThat(last(seen.get("points")).get("used").asLong())
                .isEqualTo(after.get("used").asLong());
        assertThat(seen.at("/explanation/used").asLong())
                .isEqualTo(after.get("used").asLong());
        assertThat(seen.at("/explanation/entries").findValuesAsText("type")).contains("UsageReversed");

        List<JsonNode> audited = StreamSupport.stream(
                        seed.read("/api/v1/admin/audit?action=reversal&limit=1000")
                                .get("entries")
                                .spliterator(),
                        false)
                .filter(row -> REVERSING.equals(row.path("userId").asText()))
                .filter(row -> row.path("status").asInt() == 201)
                .toList();
        assertThat(audited)
                .as("the audit trail lists the reversal, once")
                .singleElement()
                .satisfies(row -> {
                    assertThat(row.get("reason").asText()).isEqualTo(reason);
                    assertThat(row.get("target").asText()).isEqualTo("dedupKey " + REVERSING + "-a");
                    assertThat(row.get("caller").asText()).isNotBlank();
                    assertThat(row.get("entitlementKey").asText()).isEqualTo(KEY);
                });
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("entitlement-reverse-preview.png"))
                .isNotEmptyFile();
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("entitlement-reversed.png"))
                .isNotEmptyFile();
    }

    @Test
    void admin_resets_deactivates_and_changes_the_policy_and_the_page_follows_without_a_reload() throws Exception {
        ConsoleSeed seed = new ConsoleSeed(app);
        seed.grant(
                ACTING,
                KEY,
                "{\"limit\":10,\"period\":\"DAILY\",\"anchor\":\"2025-01-01T00:00:00Z\",\"overLimit\":\"REJECT\"}");
        seed.consume(ACTING, KEY, 4, Instant.now(), ACTING + "-a");
        seed.projected();
        String reason = "goodwill reset, ticket 17-" + System.nanoTime();

        JsonNode seen = drive("actions", AdminClient.ADMIN_TOKEN, ACTING, Map.of("REASON", reason, "NEW_LIMIT", "20"));

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(seen.get("sameDocument").asBoolean()).as("no reload").isTrue();
        assertThat(seen.at("/barBefore/used").asLong()).isEqualTo(4);
        assertThat(seen.at("/afterReset/bar/used").asLong()).isZero();
        List<Point> resetPoints = shown(seen.at("/afterReset/points"));
        assertThat(resetPoints.stream().filter(p -> p.kind().equals("reset")))
                .as("the chart marks the reset")
                .singleElement()
                .satisfies(p -> assertThat(p.used()).isZero());
        assertThat(seen.at("/afterReset/timeline").findValuesAsText("type")).contains("PeriodReset");
        assertThat(seen.at("/afterReset/timeline").toString()).contains("MANUAL");
        assertThat(seen.at("/afterDeactivate/state").asText()).isEqualTo("inactive");
        assertThat(seen.at("/afterDeactivate/button").asText()).isEqualTo("Activate");
        assertThat(seen.at("/afterDeactivate/timeline").findValuesAsText("type"))
                .contains("EntitlementDeactivated");
        assertThat(seen.at("/afterPolicy/bar/limit").asLong()).isEqualTo(20);
        assertThat(seen.at("/afterPolicy/bar/label").asText()).isEqualTo("0 / 20");

        JsonNode state = seed.read(path(ACTING));
        assertThat(state.get("active").asBoolean()).isFalse();
        assertThat(state.at("/usage/limit").asLong()).isEqualTo(20);
        assertThat(state.at("/usage/used").asLong()).isZero();
        List<Point> expected = points(state.get("usage"), seed.history(ACTING, KEY));
        assertThat(expected.stream().filter(p -> p.kind().equals("reset"))).hasSize(1);
        JsonNode audit = seed.read("/api/v1/admin/audit?action=reset&limit=1000");
        assertThat(audit.get("entries").findValuesAsText("reason")).contains(reason);
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("entitlement-actions.png"))
                .isNotEmptyFile();
    }

    @Test
    void a_key_the_ledger_never_saw_shows_usage_not_found_in_place() throws Exception {
        seeded();
        String missing = SEEDED + "-never-sent";

        JsonNode seen = drive("notFound", AdminClient.ADMIN_TOKEN, SEEDED, Map.of("MISSING_KEY", missing));

        assertThat(seen.at("/lookup/problemCode").asText()).isEqualTo("USAGE_NOT_FOUND");
        assertThat(seen.at("/lookup/text").asText()).contains(missing);
        assertThat(seen.at("/reversal/code").asText()).isEqualTo("USAGE_NOT_FOUND");
        assertThat(seen.at("/reversal/detail").asText()).contains(missing);
        assertThat(seen.at("/reversal/confirm").asInt())
                .as("nothing to confirm")
                .isZero();
        assertThat(seen.get("errors"))
                .as("only the browser's notes of the two refused calls")
                .hasSize(2)
                .allSatisfy(error -> assertThat(error.asText()).contains("404"));
    }

    /** One point of the chart as the test computes it; {@code at} to the millisecond. */
    record Point(Instant window, Instant at, long used, String kind) {}

    /**
     * The chart's points from the API's history, written apart from the page's code: the current window (from the
     * state API) and the two before it by the ledger's own calendar; each opens at 0; its entries (by periodStart)
     * in order of occurredAt, then position: usage adds, a reversal subtracts down to 0, a manual reset sets 0, an
     * import sets its opening balance. The page's last point ("now") is compared separately.
     */
    static List<Point> points(JsonNode usage, List<JsonNode> history) {
        Period period = Period.valueOf(usage.get("period").asText());
        Instant anchor = usage.get("anchor").isNull()
                ? null
                : Instant.parse(usage.get("anchor").asText());
        List<Instant> starts =
                new ArrayList<>(List.of(Instant.parse(usage.get("periodStart").asText())));
        while (period != Period.NONE && starts.size() < 3) {
            PeriodWindow before = PeriodCalendar.windowContaining(
                    period, anchor, starts.get(0).minusMillis(1));
            starts.add(0, before.start());
        }
        List<Point> points = new ArrayList<>();
        for (Instant start : starts) {
            points.add(new Point(start, start, 0, "start"));
            List<JsonNode> entries = history.stream()
                    .filter(e -> e.hasNonNull("periodStart")
                            && Instant.parse(e.get("periodStart").asText()).equals(start))
                    .filter(e -> switch (e.get("type").asText()) {
                        case "UsageConsumed", "UsageReversed" -> true;
                        case "PeriodReset" ->
                            "MANUAL".equals(e.at("/details/reason").asText());
                        case "EntitlementImported" -> e.hasNonNull("amount");
                        default -> false;
                    })
                    .sorted(Comparator.comparing((JsonNode e) -> millis(e.get("occurredAt")))
                            .thenComparingLong(e -> e.path("position").asLong()))
                    .toList();
            long used = 0;
            for (JsonNode e : entries) {
                String type = e.get("type").asText();
                String kind;
                switch (type) {
                    case "UsageConsumed" -> {
                        used += e.get("amount").asLong();
                        kind = "consumed";
                    }
                    case "UsageReversed" -> {
                        used = Math.max(0, used + e.get("amount").asLong());
                        kind = "reversed";
                    }
                    case "PeriodReset" -> {
                        used = 0;
                        kind = "reset";
                    }
                    default -> {
                        used = e.get("usedAfter").asLong();
                        kind = "imported";
                    }
                }
                points.add(new Point(start, millis(e.get("occurredAt")), used, kind));
            }
        }
        return points;
    }

    /** The page's points (its data table) but its last, "now", whose time is the page's clock. */
    static List<Point> shown(JsonNode rows) {
        List<Point> points = new ArrayList<>();
        rows.forEach(row -> {
            if (!row.get("kind").asText().equals("now")) {
                points.add(new Point(
                        Instant.parse(row.get("window").asText()),
                        millis(row.get("at")),
                        row.get("used").asLong(),
                        row.get("kind").asText()));
            }
        });
        return points;
    }

    /** Each window's count at its last point. */
    static Map<Instant, Long> finals(List<Point> points) {
        Map<Instant, Long> finals = new HashMap<>();
        points.forEach(p -> finals.put(p.window(), p.used()));
        return finals;
    }

    private static void assertExplained(JsonNode seen, JsonNode api) {
        assertThat(seen.get("used").asLong()).isEqualTo(api.get("used").asLong());
        assertThat(seen.get("total").asText()).isEqualTo(api.get("used").asText());
        assertThat(Instant.parse(seen.get("periodStart").asText()))
                .isEqualTo(Instant.parse(api.get("periodStart").asText()));
        assertThat(seen.get("entries").findValuesAsText("type"))
                .containsExactlyElementsOf(api.get("entries").findValuesAsText("type"));
        assertThat(seen.get("entries").findValuesAsText("usedAfter"))
                .containsExactlyElementsOf(api.get("entries").findValuesAsText("usedAfter"));
    }

    private static Instant millis(JsonNode iso) {
        return Instant.parse(iso.asText()).truncatedTo(ChronoUnit.MILLIS);
    }

    private static JsonNode last(JsonNode array) {
        return array.get(array.size() - 1);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    private static String path(String userId) {
        return "/api/v1/entitlements/" + userId + "/" + KEY;
    }

    private ResponseEntity<JsonNode> exchange(HttpMethod method, String path, String body) {
        ResponseEntity<JsonNode> answer = http.exchange(
                path, method, new HttpEntity<>(body, ConsoleSeed.json(AdminClient.ADMIN_TOKEN)), JsonNode.class);
        assertThat(answer.getStatusCode().is2xxSuccessful())
                .as("%s %s: %s", method, path, answer.getBody())
                .isTrue();
        return answer;
    }

    private JsonNode drive(String scenario, String token, String userId, Map<String, String> settings)
            throws Exception {
        Map<String, String> environment = new HashMap<>(settings);
        environment.put("USER_ID", userId);
        environment.put("KEY", KEY);
        return new ConsoleBrowser(port).drive(SCRIPT, scenario, token, environment);
    }
}
