package dev.ledger.projection.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Every non-empty subset of the documented history types, on both history endpoints, with and without a time range,
 * paged with cursors through a history where events and rejections share timestamps. The expected pages come from the
 * rows this test wrote and the documented order (newest first; at the same instant rejections before events; then the
 * higher id first), never from the implementation.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryTypeFilterTest {

    private static final String USER = "type-filter-user";
    private static final List<String> KEYS = List.of("FILTER_A", "FILTER_B");
    /** Every documented event type, so a type added later is filtered here too. */
    private static final List<String> EVENT_TYPES = UsageHistory.TYPES.stream()
            .filter(type -> !type.equals(UsageHistory.REJECTED))
            .sorted()
            .toList();

    private static final Instant BASE = Instant.parse("2024-09-01T00:00:00Z");
    private static final Instant FROM = BASE.plusSeconds(2);
    private static final Instant TO = BASE.plusSeconds(6);
    private static final int PAGE = 10;

    /** One history row as written here: source 0 is an event (id = position), 1 a rejection (id = rejection id). */
    record Row(String type, String entitlementKey, Instant recordedAt, int source, long id) {
        String key() {
            return (source == 0 ? "e" : "r") + id;
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    private final List<Row> rows = new ArrayList<>();
    /** A plain HTTP client: cheaper per request than a RestTemplate, and this class makes some 1,500. */
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    void writeAHistoryThatMixesBothSourcesAtSharedTimestamps() {
        long position = 910_000_000L; // above the real positions, like the paging test's rows (900,000,001+)
        for (int i = 0; i < 24; i++) {
            String key = KEYS.get(i % 2);
            String type = EVENT_TYPES.get((i / 2) % EVENT_TYPES.size());
            Instant at = BASE.plusSeconds(i / 3);
            jdbc.update(
                    """
                    INSERT INTO usage_history (global_index, entitlement_id, user_id, entitlement_key, sequence_number,
                        event_type, occurred_at, recorded_at, amount, used_after, usage_limit, late, dedup_key,
                        message_id, metadata)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 100, false, ?, ?, '{}'::jsonb)""",
                    position,
                    USER + "#" + key,
                    USER,
                    key,
                    i,
                    type,
                    at.atOffset(ZoneOffset.UTC),
                    at.atOffset(ZoneOffset.UTC),
                    i,
                    "k" + i,
                    "m" + i);
            rows.add(new Row(type, key, at, 0, position));
            position++;
        }
        for (int i = 0; i < 10; i++) {
            String key = KEYS.get(i % 2);
            Instant at = BASE.plusSeconds(i % 8);
            Long id = jdbc.queryForObject("""
                    INSERT INTO usage_rejection (message_id, receive_count, dedup_key, user_id, entitlement_key,
                        reason_code, detail, outcome, rejected_at, raw_body)
                    VALUES (?, 1, ?, ?, ?, 'LIMIT_EXCEEDED', 'full', 'RETRY', ?, '{}') RETURNING id""", Long.class, "rm" + i, "rk" + i, USER, key, at.atOffset(ZoneOffset.UTC));
            rows.add(new Row("UsageRejected", key, at, 1, id));
        }
    }

    @Test
    void every_subset_of_types_on_both_endpoints_with_and_without_a_range_pages_exactly_the_matching_entries()
            throws Exception {
        List<String> all = new ArrayList<>(EVENT_TYPES);
        all.add("UsageRejected");
        List<Callable<Void>> checks = new ArrayList<>();
        for (int mask = 1; mask < 1 << all.size(); mask++) {
            Set<String> types = new TreeSet<>();
            for (int bit = 0; bit < all.size(); bit++) {
                if ((mask & 1 << bit) != 0) {
                    types.add(all.get(bit));
                }
            }
            String key = KEYS.get(mask % 2);
            for (boolean ranged : List.of(false, true)) {
                Predicate<Row> inRange = r -> !ranged
                        || !r.recordedAt().isBefore(FROM) && r.recordedAt().isBefore(TO);
                String range = ranged ? "&from=" + FROM + "&to=" + TO : "";
                String typeList = String.join(",", types);
                // paged with cursors over the whole history; in one page within the range (fewer requests)
                int limit = ranged ? 1000 : PAGE;
                checks.add(() -> {
                    assertPages(
                            "/api/v1/users/" + USER + "/history?types=" + typeList + range,
                            limit,
                            expected(r -> types.contains(r.type()) && inRange.test(r)));
                    assertPages(
                            "/api/v1/entitlements/" + USER + "/" + key + "/history?types=" + typeList + range,
                            limit,
                            expected(r -> types.contains(r.type())
                                    && r.entitlementKey().equals(key)
                                    && inRange.test(r)));
                    return null;
                });
            }
        }
        assertThat(checks).hasSize(2 * ((1 << UsageHistory.TYPES.size()) - 1));
        // some 1,500 requests, which only read: several at a time
        ExecutorService requests = Executors.newFixedThreadPool(4);
        try {
            for (Future<Void> check : requests.invokeAll(checks)) {
                try {
                    check.get();
                } catch (ExecutionException failed) {
                    if (failed.getCause() instanceof AssertionError assertion) {
                        throw assertion;
                    }
                    throw failed;
                }
            }
        } finally {
            requests.shutdownNow();
        }
    }

    @Test
    void without_a_type_filter_both_sources_page_newest_first_without_gaps_or_repeats() throws Exception {
        for (int limit = 1; limit <= 6; limit++) {
            assertPages("/api/v1/users/" + USER + "/history", limit, expected(r -> true));
        }
        for (String key : KEYS) {
            assertPages(
                    "/api/v1/entitlements/" + USER + "/" + key + "/history",
                    3,
                    expected(r -> r.entitlementKey().equals(key)));
        }
    }

    private List<String> expected(Predicate<Row> filter) {
        return rows.stream()
                .filter(filter)
                .sorted(Comparator.comparing(Row::recordedAt)
                        .thenComparingInt(Row::source)
                        .thenComparingLong(Row::id)
                        .reversed())
                .map(Row::key)
                .toList();
    }

    /** Follows {@code nextCursor} page by page and compares the whole sequence with the expected one. */
    private void assertPages(String path, int limit, List<String> expected) throws Exception {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            String url = path + (path.contains("?") ? "&" : "?") + "limit=" + limit
                    + (cursor == null ? "" : "&cursor=" + cursor);
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + url))
                            .header("Authorization", "Bearer " + AdminClient.ADMIN_TOKEN)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(url + " -> " + response.body()).isEqualTo(200);
            JsonNode page = json.readTree(response.body());
            assertThat(page.get("entries").size()).as(url).isLessThanOrEqualTo(limit);
            for (JsonNode entry : page.get("entries")) {
                seen.add(
                        entry.get("type").asText().equals("UsageRejected")
                                ? "r" + entry.get("rejectionId").asLong()
                                : "e" + entry.get("position").asLong());
            }
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asText();
            pages++;
            assertThat(pages).as(path + ": more pages than entries").isLessThanOrEqualTo(expected.size() / limit + 1);
        } while (cursor != null);
        assertThat(seen).as(path).containsExactlyElementsOf(expected);
    }
}
