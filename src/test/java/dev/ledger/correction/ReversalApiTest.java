package dev.ledger.correction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.intake.Queues;
import dev.ledger.projection.AppliedEverything;
import dev.ledger.projection.Projection;
import dev.ledger.projection.dynamodb.EntitlementTable;
import dev.ledger.projection.dynamodb.TableItems;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** Reversals over HTTP on the shared application: real Postgres, ElasticMQ and dynalite. */
@IntegrationTest
class ReversalApiTest {

    private static final String KEY = "AI_TUTOR_ACCESS";

    @Autowired
    TestRestTemplate http;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    Ledger ledger;

    @Autowired
    SqsAsyncClient sqs;

    @Autowired
    Queues queues;

    @Autowired
    EntitlementTable table;

    @Autowired
    ApplicationContext app;

    @Autowired
    ObjectMapper json;

    private ResponseEntity<JsonNode> send(HttpMethod method, String path, String body, Map<String, String> headers) {
        HttpHeaders all = new HttpHeaders();
        all.setContentType(MediaType.APPLICATION_JSON);
        headers.forEach(all::set);
        return http.exchange(path, method, new HttpEntity<>(body, all), JsonNode.class);
    }

    private ResponseEntity<JsonNode> reverse(String userId, String body) {
        return reverse(userId, body, Map.of(), "");
    }

    private ResponseEntity<JsonNode> reverse(String userId, String body, Map<String, String> headers, String query) {
        return send(
                HttpMethod.POST, "/api/v1/entitlements/" + userId + "/" + KEY + "/reversals" + query, body, headers);
    }

    private void grant(String userId, long limit) {
        ResponseEntity<JsonNode> granted =
                send(HttpMethod.POST, "/api/v1/entitlements", """
                {"userId":"%s","entitlementKey":"%s","usage":{"limit":%d,"period":"MONTHLY"}}""".formatted(userId, KEY, limit), Map.of());
        assertThat(granted.getStatusCode()).isEqualTo(HttpStatus.CREATED);
    }

    private void consume(String userId, long amount, String dedupKey, Instant occurredAt) {
        ledger.consume(new ConsumeUsage(
                EntitlementId.of(userId, KEY), amount, occurredAt, dedupKey, Map.of(), "msg-" + dedupKey));
    }

    private long used(String userId) {
        return send(HttpMethod.GET, "/api/v1/entitlements/" + userId + "/" + KEY, null, Map.of())
                .getBody()
                .at("/usage/used")
                .asLong();
    }

    private long events(String userId) {
        return jdbc.queryForObject(
                "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier = ?",
                Long.class,
                userId + "#" + KEY);
    }

    private static void assertProblem(ResponseEntity<JsonNode> response, HttpStatus status, String code) {
        assertThat(response.getStatusCode()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).hasToString("application/problem+json");
        assertThat(response.getBody().get("code").asText()).isEqualTo(code);
        assertThat(response.getBody().get("detail").asText()).isNotBlank();
    }

    private Optional<Map<String, AttributeValue>> item(String userId) {
        return TableItems.get(table, userId, KEY);
    }

    private long itemCount(String userId) {
        return item(userId).map(i -> Long.parseLong(i.get("usageCount").n())).orElse(-1L);
    }

    /** The lines of a user in the export by occurredAt over [from, to), as NDJSON objects. */
    private List<JsonNode> exported(String userId, Instant from, Instant to, String by) throws Exception {
        ResponseEntity<String> export = http.getForEntity(
                "/api/v1/usage/export?from={from}&to={to}&format=ndjson&by={by}", String.class, from, to, by);
        assertThat(export.getStatusCode()).isEqualTo(HttpStatus.OK);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : export.getBody().split("\n")) {
            JsonNode row = json.readTree(line);
            if (row.get("userId").asText().equals(userId)) {
                lines.add(row);
            }
        }
        return lines;
    }

    @Test
    void usage_sent_over_sqs_and_reversed_over_http_agrees_in_the_state_the_dynamodb_item_the_history_and_the_export()
            throws Exception {
        String user = "rev-sqs";
        grant(user, 100);
        Instant now = Instant.now();
        String sent = sqs.sendMessage(r -> r.queueUrl(queues.queueUrl()).messageBody("""
                        {"userId":"%s","entitlementKey":"%s","amount":10,"idempotencyKey":"rev-sqs-k1",
                         "occurredAt":"%s"}""".formatted(user, KEY, now)))
                .join()
                .messageId();
        await().atMost(Duration.ofSeconds(30)).until(() -> used(user) == 10);

        ResponseEntity<JsonNode> first = reverse(user, """
                {"dedupKey":"rev-sqs-k1","amount":4,"reason":"duplicate charge, ticket 4411"}""");
        assertThat(first.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        JsonNode body = first.getBody();
        assertThat(body.get("reversalId").asText()).isNotBlank();
        assertThat(body.get("userId").asText()).isEqualTo(user);
        assertThat(body.get("entitlementKey").asText()).isEqualTo(KEY);
        assertThat(body.get("dedupKey").asText()).isEqualTo("rev-sqs-k1");
        assertThat(body.get("amount").asLong()).isEqualTo(4);
        assertThat(body.get("remaining").asLong()).isEqualTo(6);
        assertThat(body.get("current").asBoolean()).isTrue();
        assertThat(body.get("used").asLong()).isEqualTo(6);
        assertThat(body.get("periodStart").asText()).isNotBlank();
        assertThat(used(user)).isEqualTo(6);
        await().atMost(Duration.ofSeconds(30)).until(() -> itemCount(user) == 6);

        JsonNode partial = http.getForObject("/api/v1/usage/records/rev-sqs-k1", JsonNode.class);
        assertThat(partial.get("status").asText()).isEqualTo("PARTIALLY_REVERSED");
        assertThat(partial.get("reversed").asLong()).isEqualTo(4);

        // the remainder: no amount reverses what is left
        ResponseEntity<JsonNode> rest = reverse(user, """
                {"dedupKey":"rev-sqs-k1","reason":"the rest of it"}""");
        assertThat(rest.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(rest.getBody().get("amount").asLong()).isEqualTo(6);
        assertThat(rest.getBody().get("remaining").asLong()).isZero();
        assertThat(used(user)).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> itemCount(user) == 0);

        AppliedEverything.await(app, Projection.HISTORY);
        JsonNode record = http.getForObject("/api/v1/usage/records/rev-sqs-k1", JsonNode.class);
        assertThat(record.get("status").asText()).isEqualTo("REVERSED");
        assertThat(record.get("amount").asLong()).isEqualTo(10);
        assertThat(record.get("reversed").asLong()).isEqualTo(10);
        assertThat(record.get("messageIds")).extracting(JsonNode::asText).containsExactly(sent);
        assertThat(record.get("position").asLong()).isPositive();

        JsonNode history = http.getForObject(
                "/api/v1/entitlements/{u}/{k}/history?types=UsageReversed", JsonNode.class, user, KEY);
        JsonNode newest = history.get("entries").get(0);
        assertThat(newest.get("type").asText()).isEqualTo("UsageReversed");
        assertThat(newest.get("reversalOf").asText()).isEqualTo("rev-sqs-k1");
        assertThat(newest.get("amount").asLong()).isEqualTo(-6);
        assertThat(newest.get("reason").asText()).isEqualTo("the rest of it");
        assertThat(newest.get("caller").asText()).isEqualTo("dev-admin");

        Instant from = now.truncatedTo(ChronoUnit.DAYS);
        Instant to = from.plus(Duration.ofDays(1));
        List<JsonNode> lines = exported(user, from, to, "occurredAt");
        assertThat(lines)
                .extracting(l -> l.get("type").asText())
                .containsExactly("UsageConsumed", "UsageReversed", "UsageReversed");
        assertThat(lines).extracting(l -> l.get("amount").asLong()).containsExactly(10L, -4L, -6L);
        assertThat(lines.get(1).get("reversalOf").asText()).isEqualTo("rev-sqs-k1");
        assertThat(lines.stream().mapToLong(l -> l.get("amount").asLong()).sum())
                .as("the export's net usage is the item's count")
                .isEqualTo(itemCount(user))
                .isZero();
        assertThat(exported(user, now.minusSeconds(60), Instant.now().plusSeconds(60), "recordedAt"))
                .hasSize(3);

        ResponseEntity<String> csv = http.getForEntity("/api/v1/usage/export?from={f}&to={t}", String.class, from, to);
        assertThat(csv.getBody().lines().findFirst().orElseThrow()).endsWith(",metadata,type,reversalOf");
        assertThat(csv.getBody()).contains(",UsageReversed,rev-sqs-k1");
    }

    @Test
    void a_reversal_of_a_past_windows_usage_leaves_the_current_count_alone() {
        String user = "rev-past";
        grant(user, 100);
        Instant lastMonth = Instant.now().minus(Duration.ofDays(40));
        consume(user, 7, "rev-past-old", lastMonth);
        consume(user, 3, "rev-past-new", Instant.now());
        ResponseEntity<JsonNode> reversed = reverse(user, """
                {"dedupKey":"rev-past-old","amount":5,"reason":"refund"}""");
        assertThat(reversed.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(reversed.getBody().get("current").asBoolean()).isFalse();
        assertThat(reversed.getBody().get("used").asLong()).isEqualTo(3);
        assertThat(reversed.getBody().get("remaining").asLong()).isEqualTo(2);
        assertThat(Instant.parse(reversed.getBody().get("periodEnd").asText())).isBefore(Instant.now());
        assertThat(used(user)).isEqualTo(3);
    }

    @Test
    void an_inactive_entitlement_can_be_corrected() {
        String user = "rev-inactive";
        grant(user, 100);
        consume(user, 5, "rev-inactive-k", Instant.now());
        send(HttpMethod.POST, "/api/v1/entitlements/" + user + "/" + KEY + "/deactivate", null, Map.of());
        ResponseEntity<JsonNode> reversed =
                reverse(user, "{\"dedupKey\":\"rev-inactive-k\",\"amount\":5,\"reason\":\"closed account\"}");
        assertThat(reversed.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(used(user)).isZero();
    }

    @Test
    void every_refusal_is_a_specific_problem_and_changes_nothing() {
        String user = "rev-problems";
        grant(user, 100);
        consume(user, 5, "rev-problems-k", Instant.now());
        long events = events(user);

        assertProblem(
                reverse(user, "{\"dedupKey\":\"rev-problems-k\",\"amount\":1}"),
                HttpStatus.BAD_REQUEST,
                "REASON_REQUIRED");
        assertProblem(
                reverse(user, "{\"dedupKey\":\"rev-problems-k\",\"amount\":1,\"reason\":\"  \"}"),
                HttpStatus.BAD_REQUEST,
                "REASON_REQUIRED");
        assertProblem(
                reverse(user, "{\"dedupKey\":\"rev-problems-k\",\"amount\":1,\"reason\":\"" + "x".repeat(501) + "\"}"),
                HttpStatus.BAD_REQUEST,
                "REASON_REQUIRED");
        for (String amount : List.of("0", "-1", "2.5", "\"2\"", "true", "99999999999999999999")) {
            assertProblem(
                    reverse(user, "{\"dedupKey\":\"rev-problems-k\",\"amount\":" + amount + ",\"reason\":\"r\"}"),
                    HttpStatus.BAD_REQUEST,
                    "INVALID_AMOUNT");
        }
        assertProblem(
                reverse(user, "{\"dedupKey\":\"never-counted\",\"reason\":\"r\"}"),
                HttpStatus.NOT_FOUND,
                "USAGE_NOT_FOUND");
        assertProblem(
                reverse("rev-nobody", "{\"dedupKey\":\"rev-problems-k\",\"reason\":\"r\"}"),
                HttpStatus.NOT_FOUND,
                "ENTITLEMENT_NOT_FOUND");
        assertProblem(
                reverse(user, "{\"dedupKey\":\"rev-problems-k\",\"amount\":6,\"reason\":\"r\"}"),
                HttpStatus.CONFLICT,
                "REVERSAL_EXCEEDS_ORIGINAL");
        ResponseEntity<JsonNode> reader = reverse(
                user,
                "{\"dedupKey\":\"rev-problems-k\",\"amount\":1,\"reason\":\"r\"}",
                Map.of("Authorization", "Bearer " + AdminClient.READER_TOKEN),
                "");
        assertThat(reader.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);

        assertThat(events(user)).as("no event appended").isEqualTo(events);
        assertThat(used(user)).isEqualTo(5);
    }

    @Test
    void a_repeat_with_the_same_idempotency_key_answers_the_first_answer_and_another_body_is_refused() {
        String user = "rev-idem";
        grant(user, 100);
        consume(user, 5, "rev-idem-k", Instant.now());
        String body = "{\"dedupKey\":\"rev-idem-k\",\"amount\":2,\"reason\":\"ticket 1\"}";
        Map<String, String> key = Map.of("Idempotency-Key", "rev-idem-request-1");

        ResponseEntity<JsonNode> first = reverse(user, body, key, "");
        assertThat(first.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        long events = events(user);

        ResponseEntity<JsonNode> repeat = reverse(user, body, key, "");
        assertThat(repeat.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(repeat.getBody()).isEqualTo(first.getBody());
        assertThat(events(user)).as("the repeat wrote nothing").isEqualTo(events);
        assertThat(used(user)).isEqualTo(3);

        assertProblem(
                reverse(user, body.replace("ticket 1", "ticket 2"), key, ""),
                HttpStatus.UNPROCESSABLE_ENTITY,
                "IDEMPOTENCY_KEY_REUSED");
        assertProblem(
                reverse(user, body, Map.of("Idempotency-Key", "x".repeat(256)), ""),
                HttpStatus.BAD_REQUEST,
                "INVALID_IDEMPOTENCY_KEY");
        assertThat(events(user)).isEqualTo(events);
    }

    @Test
    void concurrent_requests_with_one_idempotency_key_reverse_once() throws Exception {
        String user = "rev-race";
        grant(user, 100);
        consume(user, 50, "rev-race-k", Instant.now());
        String body = "{\"dedupKey\":\"rev-race-k\",\"amount\":1,\"reason\":\"one click, eight requests\"}";
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<ResponseEntity<JsonNode>>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return reverse(user, body, Map.of("Idempotency-Key", "rev-race-request"), "");
                }));
            }
            start.countDown();
            List<HttpStatus> statuses = new ArrayList<>();
            java.util.Set<String> reversalIds = new java.util.HashSet<>();
            for (var answer : answers) {
                ResponseEntity<JsonNode> response = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);
                statuses.add(HttpStatus.valueOf(response.getStatusCode().value()));
                reversalIds.add(response.getBody().get("reversalId").asText());
            }
            assertThat(statuses).containsOnlyOnce(HttpStatus.CREATED).containsOnly(HttpStatus.CREATED, HttpStatus.OK);
            assertThat(reversalIds).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier = ? "
                                + "AND payload_type = 'dev.ledger.entitlement.UsageReversed'",
                        Long.class,
                        user + "#" + KEY))
                .isEqualTo(1);
        assertThat(used(user)).isEqualTo(49);
    }

    @Test
    void a_dry_run_answers_the_reversal_and_changes_neither_the_state_nor_the_table_nor_the_history() {
        String user = "rev-dry";
        grant(user, 100);
        consume(user, 5, "rev-dry-k", Instant.now());
        await().atMost(Duration.ofSeconds(30)).until(() -> itemCount(user) == 5);
        AppliedEverything.await(app, Projection.HISTORY);
        Map<String, AttributeValue> itemBefore = item(user).orElseThrow();
        long historyBefore =
                jdbc.queryForObject("SELECT count(*) FROM usage_history WHERE user_id = ?", Long.class, user);
        long events = events(user);

        ResponseEntity<JsonNode> dry = reverse(
                user,
                "{\"dedupKey\":\"rev-dry-k\",\"amount\":2,\"reason\":\"what if\"}",
                Map.of("Idempotency-Key", "rev-dry-1"),
                "?dryRun=true");
        assertThat(dry.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(dry.getBody().get("amount").asLong()).isEqualTo(2);
        assertThat(dry.getBody().get("remaining").asLong()).isEqualTo(3);
        assertThat(dry.getBody().get("used").asLong()).isEqualTo(3);

        AppliedEverything.await(app, Projection.HISTORY);
        AppliedEverything.await(app, Projection.DYNAMODB);
        assertThat(events(user)).isEqualTo(events);
        assertThat(used(user)).isEqualTo(5);
        assertThat(item(user).orElseThrow()).isEqualTo(itemBefore);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM usage_history WHERE user_id = ?", Long.class, user))
                .isEqualTo(historyBefore);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM reversal_request WHERE idempotency_key = 'rev-dry-1'", Long.class))
                .as("a dry run records no key")
                .isZero();
        assertThat(http.getForObject("/api/v1/usage/records/rev-dry-k", JsonNode.class)
                        .get("status")
                        .asText())
                .isEqualTo("COUNTED");
    }
}
