package dev.ledger.projection.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.ResetPeriod;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.intake.RejectionLog;
import dev.ledger.projection.AppliedEverything;
import dev.ledger.projection.Projection;
import dev.ledger.support.IntegrationTest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.ApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

@IntegrationTest
class UsageHistoryTest {

    @Autowired
    Ledger ledger;

    @Autowired
    TestRestTemplate http;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    RejectionLog rejections;

    @Autowired
    ApplicationContext app;

    private final ObjectMapper json = new ObjectMapper();

    private JsonNode get(String path) {
        ResponseEntity<JsonNode> response = http.getForEntity(path, JsonNode.class);
        assertThat(response.getStatusCode().value()).as(path).isEqualTo(200);
        return response.getBody();
    }

    private void assertBadRequest(String path, String code) {
        ResponseEntity<JsonNode> response = http.getForEntity(path, JsonNode.class);
        assertThat(response.getStatusCode().value()).as(path).isEqualTo(400);
        assertThat(response.getBody().get("code").asText()).as(path).isEqualTo(code);
    }

    private void awaitHistoryCaughtUp() {
        AppliedEverything.await(app, Projection.HISTORY);
    }

    @Test
    void history_shows_grants_consumptions_resets_and_rejections_newest_first_with_metadata_as_sent() {
        EntitlementId id = EntitlementId.of("history-user", "AI_TUTOR_ACCESS");
        ledger.send(
                id,
                new GrantEntitlement(
                        id, true, new UsagePolicy(10, Period.MONTHLY, null, OverLimit.REJECT), Instant.now()),
                Map.of());
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("source", "api");
        metadata.put("tokens", 512);
        metadata.put("beta", true);
        metadata.put("note", "a,b \"quoted\"\nsecond line");
        ledger.consume(new ConsumeUsage(id, 4, Instant.now(), "order-1", metadata, "msg-1"));
        ledger.send(id, new ResetPeriod(id, Instant.now()), Map.of());
        rejections.record(
                "msg-2",
                1,
                "msg-2",
                id.userId(),
                id.entitlementKey(),
                "LIMIT_EXCEEDED",
                "usage of 20 would exceed the limit",
                RejectionLog.NextStep.RETRY,
                Instant.now().plusMillis(5),
                "{\"userId\":\"history-user\"}");
        awaitHistoryCaughtUp();

        JsonNode page = get("/api/v1/entitlements/history-user/AI_TUTOR_ACCESS/history");
        List<String> types = new ArrayList<>();
        page.get("entries").forEach(e -> types.add(e.get("type").asText()));
        assertThat(types).containsExactly("UsageRejected", "PeriodReset", "UsageConsumed", "EntitlementGranted");
        assertThat(page.get("nextCursor").isNull()).isTrue();

        JsonNode rejected = page.get("entries").get(0);
        assertThat(rejected.get("reasonCode").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(rejected.get("messageId").asText()).isEqualTo("msg-2");
        JsonNode reset = page.get("entries").get(1);
        assertThat(reset.at("/details/reason").asText()).isEqualTo("MANUAL");
        assertThat(reset.at("/details/previousUsage").asLong()).isEqualTo(4);
        JsonNode consumed = page.get("entries").get(2);
        assertThat(consumed.get("amount").asLong()).isEqualTo(4);
        assertThat(consumed.get("usedAfter").asLong()).isEqualTo(4);
        assertThat(consumed.get("limit").asLong()).isEqualTo(10);
        assertThat(consumed.get("late").asBoolean()).isFalse();
        assertThat(consumed.get("dedupKey").asText()).isEqualTo("order-1");
        assertThat(consumed.get("metadata")).isEqualTo(json.valueToTree(metadata));
        assertThat(consumed.has("periodStart")).isTrue();
        JsonNode granted = page.get("entries").get(3);
        assertThat(granted.at("/details/usage/limit").asLong()).isEqualTo(10);

        JsonNode onlyUsage =
                get("/api/v1/entitlements/history-user/AI_TUTOR_ACCESS/history?types=UsageConsumed,UsageRejected");
        assertThat(onlyUsage.get("entries")).hasSize(2);
        JsonNode byUser = get("/api/v1/users/history-user/history?limit=2");
        assertThat(byUser.get("entries")).hasSize(2);
        assertThat(byUser.get("nextCursor").asText()).isNotBlank();
    }

    @Test
    void paging_with_cursors_over_10000_entries_returns_each_once_in_order_and_the_queries_use_indexes() {
        String user = "paging-user";
        Instant base = Instant.parse("2024-06-01T00:00:00Z");
        // 9,000 event rows and 1,000 rejections, many sharing a timestamp so the tie-breaks are exercised
        jdbc.update(
                """
                INSERT INTO usage_history (global_index, entitlement_id, user_id, entitlement_key, sequence_number,
                    event_type, occurred_at, recorded_at, amount, used_after, usage_limit, late, dedup_key, message_id,
                    metadata)
                SELECT 900000000 + g, ?, ?, 'PAGED', g, 'UsageConsumed', ? + (g / 3) * interval '1 second',
                       ? + (g / 3) * interval '1 second', 1, g, 100000, false, 'k' || g, 'm' || g, '{}'::jsonb
                FROM generate_series(1, 9000) g""",
                user + "#PAGED",
                user,
                base.atOffset(java.time.ZoneOffset.UTC),
                base.atOffset(java.time.ZoneOffset.UTC));
        jdbc.update("""
                INSERT INTO usage_rejection (message_id, receive_count, dedup_key, user_id, entitlement_key, reason_code,
                    detail, outcome, rejected_at, raw_body)
                SELECT 'r' || g, 1, 'r' || g, ?, 'PAGED', 'LIMIT_EXCEEDED', 'full', 'RETRY',
                       ? + (g * 9 / 3) * interval '1 second', '{}'
                FROM generate_series(1, 1000) g""", user, base.atOffset(java.time.ZoneOffset.UTC));
        jdbc.execute("ANALYZE usage_history");
        jdbc.execute("ANALYZE usage_rejection");

        List<String> seen = new ArrayList<>();
        Set<String> unique = new HashSet<>();
        String cursor = null;
        String previousTime = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/v1/entitlements/" + user + "/PAGED/history?limit=137"
                    + (cursor == null ? "" : "&cursor=" + cursor));
            for (JsonNode entry : page.get("entries")) {
                String key = entry.has("position")
                        ? "e" + entry.get("position").asLong()
                        : "r" + entry.get("rejectionId").asLong();
                seen.add(key);
                unique.add(key);
                String time = entry.get("recordedAt").asText();
                if (previousTime != null) {
                    assertThat(Instant.parse(time)).isBeforeOrEqualTo(Instant.parse(previousTime));
                }
                previousTime = time;
            }
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asText();
            pages++;
        } while (cursor != null);
        assertThat(seen).hasSize(10_000);
        assertThat(unique).hasSize(10_000);
        assertThat(pages).isEqualTo((int) Math.ceil(10_000 / 137.0));

        for (String sql : List.of(
                "EXPLAIN SELECT * FROM usage_history WHERE entitlement_id = 'paging-user#PAGED' "
                        + "ORDER BY recorded_at DESC, global_index DESC LIMIT 101",
                "EXPLAIN SELECT * FROM usage_history WHERE user_id = 'paging-user' "
                        + "ORDER BY recorded_at DESC, global_index DESC LIMIT 101",
                "EXPLAIN SELECT * FROM usage_rejection WHERE user_id = 'paging-user' AND entitlement_key = 'PAGED' "
                        + "ORDER BY rejected_at DESC, id DESC LIMIT 101",
                "EXPLAIN SELECT * FROM usage_history WHERE event_type IN ('UsageConsumed', 'EntitlementImported') "
                        + "AND amount > 0 AND occurred_at >= '2024-06-01T00:00:00Z' AND occurred_at < "
                        + "'2024-06-01T00:10:00Z' ORDER BY occurred_at, global_index")) {
            String plan = String.join("\n", jdbc.queryForList(sql, String.class));
            assertThat(plan).as(sql).doesNotContain("Seq Scan").contains("Index");
        }
    }

    @Test
    void bad_parameters_are_refused_with_400_problem_details() {
        String path = "/api/v1/entitlements/history-user/AI_TUTOR_ACCESS/history";
        assertBadRequest(path + "?from=yesterday", "INVALID_TIME");
        assertBadRequest(path + "?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z", "INVALID_RANGE");
        assertBadRequest(path + "?limit=0", "INVALID_LIMIT");
        assertBadRequest(path + "?limit=1001", "INVALID_LIMIT");
        assertBadRequest(path + "?limit=ten", "INVALID_LIMIT");
        assertBadRequest(path + "?types=UsageConsumed,Refund", "UNKNOWN_TYPE");
        assertBadRequest(path + "?cursor=bm90LWEtY3Vyc29y.AAAAAAAAAAAAAAAAAAAAAA", "INVALID_CURSOR");
        // A well-formed cursor signed with the service's key is accepted; the same with one character of its signature
        // changed is refused, so the check that refuses it is the HMAC's (not the format's).
        String valid = HistoryCursor.encode(
                new HistoryCursor(Instant.parse("2030-01-01T00:00:00Z"), 0, 1),
                "ledger-history-cursor".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(get("/api/v1/users/paging-user/history?cursor=" + valid).has("entries"))
                .isTrue();
        int inSignature = valid.length() - 3;
        String tampered = valid.substring(0, inSignature)
                + (valid.charAt(inSignature) == 'A' ? 'B' : 'A')
                + valid.substring(inSignature + 1);
        assertThat(tampered.substring(0, valid.lastIndexOf('.')))
                .as("same body")
                .isEqualTo(valid.substring(0, valid.lastIndexOf('.')));
        assertBadRequest("/api/v1/users/paging-user/history?cursor=" + tampered, "INVALID_CURSOR");
        assertBadRequest("/api/v1/entitlements/history-user/lower/history", "INVALID_ENTITLEMENT_KEY");
        assertBadRequest("/api/v1/usage/export?from=2025-01-01T00:00:00Z", "MISSING_PARAMETER");
        assertBadRequest(
                "/api/v1/usage/export?from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z&format=xml", "INVALID_FORMAT");
        assertBadRequest("/api/v1/usage/export?from=2025-03-01T00:00:00Z&to=2025-02-01T00:00:00Z", "INVALID_RANGE");
    }

    @Test
    void the_export_streams_every_consumption_in_the_range_with_rfc4180_quoting() throws Exception {
        EntitlementId id = EntitlementId.of("export-user", "AI_TUTOR_ACCESS");
        ledger.send(
                id,
                new GrantEntitlement(
                        id, true, new UsagePolicy(1_000, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                Map.of());
        Instant at = Instant.parse("2023-03-15T12:00:00Z");
        for (int i = 0; i < 25; i++) {
            ledger.consume(new ConsumeUsage(
                    id,
                    i + 1,
                    at.plusSeconds(i),
                    i % 2 == 0 ? "idem-" + i : "msg-" + i,
                    Map.of("note", "line one, \"two\"\nline three " + i),
                    "msg-" + i));
        }
        ledger.consume(new ConsumeUsage(id, 1, at.minusSeconds(1), "before", Map.of(), "msg-before"));
        ledger.consume(new ConsumeUsage(id, 1, at.plusSeconds(3600), "after", Map.of(), "msg-after"));
        awaitHistoryCaughtUp();

        ResponseEntity<String> csv = http.getForEntity(
                "/api/v1/usage/export?from=2023-03-15T12:00:00Z&to=2023-03-15T12:00:25Z", String.class);
        assertThat(csv.getHeaders().getContentType().toString()).startsWith("text/csv");
        List<List<String>> rows = parseCsv(csv.getBody());
        assertThat(rows.get(0))
                .containsExactly(
                        "userId",
                        "entitlementKey",
                        "occurredAt",
                        "recordedAt",
                        "amount",
                        "periodStart",
                        "periodEnd",
                        "late",
                        "idempotencyKey",
                        "messageId",
                        "metadata",
                        "type",
                        "reversalOf");
        assertThat(rows).hasSize(26);
        assertThat(rows.stream().skip(1).map(r -> r.get(11))).containsOnly("UsageConsumed");
        assertThat(rows.stream().skip(1).map(r -> r.get(12))).containsOnly("");
        List<String> first = rows.get(1);
        assertThat(first.get(0)).isEqualTo("export-user");
        assertThat(first.get(2)).isEqualTo("2023-03-15T12:00:00Z");
        assertThat(first.get(4)).isEqualTo("1");
        assertThat(first.get(8)).isEqualTo("idem-0");
        assertThat(rows.get(2).get(8))
                .as("no idempotency key: the message id was the dedup key")
                .isEmpty();
        assertThat(rows.get(2).get(9)).isEqualTo("msg-1");
        assertThat(json.readTree(first.get(10)).get("note").asText()).isEqualTo("line one, \"two\"\nline three 0");
        long total =
                rows.stream().skip(1).mapToLong(r -> Long.parseLong(r.get(4))).sum();
        assertThat(total).isEqualTo(25 * 26 / 2);

        String ndjson = http.getForObject(
                "/api/v1/usage/export?from=2023-03-15T12:00:00Z&to=2023-03-15T12:00:25Z&format=ndjson", String.class);
        String[] lines = ndjson.split("\n");
        assertThat(lines).hasSize(25);
        assertThat(json.readTree(lines[0]).at("/metadata/note").asText()).startsWith("line one");
    }

    /** A strict RFC 4180 reader, so the test does not trust the writer's own quoting code. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        assertThat(field).as("the export ends with CRLF").isEmpty();
        return rows;
    }
}
