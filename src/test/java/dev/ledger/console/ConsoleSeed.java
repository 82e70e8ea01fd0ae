package dev.ledger.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.intake.Queues;
import dev.ledger.projection.AppliedEverything;
import dev.ledger.projection.Projection;
import dev.ledger.support.AdminClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** Puts entitlements, usage and rejections in place through the real service for the console's browser tests. */
final class ConsoleSeed {

    private final ApplicationContext app;
    private final TestRestTemplate http;

    ConsoleSeed(ApplicationContext app) {
        this.app = app;
        this.http = app.getBean(TestRestTemplate.class);
    }

    /** Grants over the API as ADMIN; {@code usage} is the JSON of the usage policy or null. */
    void grant(String userId, String key, String usage) {
        String body = "{\"userId\":\"" + userId + "\",\"entitlementKey\":\"" + key + "\""
                + (usage == null ? "" : ",\"usage\":" + usage) + "}";
        ResponseEntity<String> created = http.exchange(
                "/api/v1/entitlements",
                HttpMethod.POST,
                new HttpEntity<>(body, json(AdminClient.ADMIN_TOKEN)),
                String.class);
        assertThat(created.getStatusCode()).as(created.getBody()).isIn(HttpStatus.CREATED, HttpStatus.CONFLICT);
    }

    /** Counts usage through the command side, as the worker does, at {@code occurredAt}. */
    void consume(String userId, String key, long amount, Instant occurredAt, String dedupKey) {
        app.getBean(Ledger.class)
                .consume(new ConsumeUsage(
                        EntitlementId.of(userId, key),
                        amount,
                        occurredAt,
                        dedupKey,
                        Map.of("source", "console-test"),
                        "msg-" + dedupKey));
    }

    /** Sends a usage message over SQS and returns its message id. */
    String send(String body) {
        return app.getBean(SqsAsyncClient.class)
                .sendMessage(
                        r -> r.queueUrl(app.getBean(Queues.class).queueUrl()).messageBody(body))
                .join()
                .messageId();
    }

    /**
     * Sends a usage message over SQS that the ledger refuses and waits until every receive of it is refused and
     * recorded ({@code ledger.sqs.max-receive-count}; the redrive policy then moves it to the DLQ).
     */
    String sendRejected(String userId, String key, long amount, String idempotencyKey) {
        String id = send("{\"userId\":\"" + userId + "\",\"entitlementKey\":\"" + key + "\",\"amount\":" + amount
                + ",\"idempotencyKey\":\"" + idempotencyKey + "\"}");
        int receives = app.getEnvironment().getRequiredProperty("ledger.sqs.max-receive-count", Integer.class);
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            ResponseEntity<JsonNode> record = get("/api/v1/usage/records/" + idempotencyKey, AdminClient.READER_TOKEN);
            return record.getStatusCode() == HttpStatus.OK
                    && record.getBody().get("rejections").size() >= receives;
        });
        return id;
    }

    static final String THREE_WINDOWS_KEY = "AI_TUTOR_ACCESS";

    /**
     * A user with history over three windows and a rejection: {@value #THREE_WINDOWS_KEY} (DAILY, limit 10, REJECT)
     * with 6 usages of 1 in the window two days ago and 6 of 1 yesterday (both counted late), 6 of 1 today, then 50
     * over SQS, refused as LIMIT_EXCEEDED on each receive; and EXPORTS (MONTHLY, limit 5) with 3 usages of 1. That is
     * 23 events plus the rejections: more than one page of the timeline.
     */
    void threeWindows(String userId) {
        grant(
                userId,
                THREE_WINDOWS_KEY,
                "{\"limit\":10,\"period\":\"DAILY\",\"anchor\":\"2025-01-01T00:00:00Z\",\"overLimit\":\"REJECT\"}");
        grant(
                userId,
                "EXPORTS",
                "{\"limit\":5,\"period\":\"MONTHLY\",\"anchor\":\"2025-01-01T00:00:00Z\",\"overLimit\":\"REJECT\"}");
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        for (int day = 2; day >= 1; day--) {
            for (int i = 0; i < 6; i++) {
                consume(
                        userId,
                        THREE_WINDOWS_KEY,
                        1,
                        today.minus(Duration.ofDays(day)).plus(Duration.ofHours(2 + 3L * i)),
                        userId + "-d" + day + "-" + i);
            }
        }
        for (int i = 0; i < 6; i++) {
            consume(userId, THREE_WINDOWS_KEY, 1, Instant.now(), userId + "-today-" + i);
        }
        for (int i = 0; i < 3; i++) {
            consume(userId, "EXPORTS", 1, Instant.now(), userId + "-export-" + i);
        }
        sendRejected(userId, THREE_WINDOWS_KEY, 50, userId + "-too-much");
        projected();
    }

    /** Waits until both projections have applied every event. */
    void projected() {
        AppliedEverything.await(app, Projection.HISTORY);
        AppliedEverything.await(app, Projection.DYNAMODB);
    }

    ResponseEntity<JsonNode> get(String path, String token) {
        return http.exchange(path, HttpMethod.GET, new HttpEntity<>(json(token)), JsonNode.class);
    }

    JsonNode read(String path) {
        ResponseEntity<JsonNode> answer = get(path, AdminClient.ADMIN_TOKEN);
        assertThat(answer.getStatusCode().is2xxSuccessful())
                .as("%s: %s", path, answer.getBody())
                .isTrue();
        return answer.getBody();
    }

    /** Every history entry of a user (or of one entitlement, when {@code key} is set), newest first, over every page. */
    List<JsonNode> history(String userId, String key) {
        String path = key == null
                ? "/api/v1/users/" + userId + "/history"
                : "/api/v1/entitlements/" + userId + "/" + key + "/history";
        List<JsonNode> entries = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = read(path + "?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor));
            page.get("entries").forEach(entries::add);
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asText();
        } while (cursor != null);
        return entries;
    }

    static HttpHeaders json(String token) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.setBearerAuth(token);
        return headers;
    }
}
