package dev.ledger.correction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.intake.Queues;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** "Did my message count?" over HTTP, for messages sent over SQS to the shared application. */
@IntegrationTest
class UsageRecordTest {

    private static final String KEY = "AI_TUTOR_ACCESS";

    @Autowired
    TestRestTemplate http;

    @Autowired
    SqsAsyncClient sqs;

    @Autowired
    Queues queues;

    @Autowired
    Ledger ledger;

    @Autowired
    JdbcTemplate jdbc;

    private String sqsSend(String body) {
        return sqs.sendMessage(r -> r.queueUrl(queues.queueUrl()).messageBody(body))
                .join()
                .messageId();
    }

    private ResponseEntity<JsonNode> record(String dedupKey) {
        HttpHeaders reader = new HttpHeaders();
        reader.setBearerAuth(AdminClient.READER_TOKEN);
        return http.exchange(
                "/api/v1/usage/records/{key}", HttpMethod.GET, new HttpEntity<>(reader), JsonNode.class, dedupKey);
    }

    private void grant(String userId) {
        http.postForEntity(
                "/api/v1/entitlements",
                Map.of("userId", userId, "entitlementKey", KEY, "usage", Map.of("limit", 100, "period", "MONTHLY")),
                JsonNode.class);
    }

    private int rejections(String messageId) {
        return jdbc.queryForObject(
                "SELECT count(*) FROM usage_rejection WHERE message_id = ?", Integer.class, messageId);
    }

    @Test
    void a_counted_message_and_its_duplicate_show_as_counted_once_with_both_message_ids() {
        grant("rec-counted");
        String body = """
                {"userId":"rec-counted","entitlementKey":"AI_TUTOR_ACCESS","amount":3,"idempotencyKey":"rec-k1",
                 "occurredAt":"%s"}""".formatted(Instant.now());
        String first = sqsSend(body);
        await().atMost(Duration.ofSeconds(30)).until(() -> record("rec-k1").getStatusCode() == HttpStatus.OK);
        String second = sqsSend(body);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> record("rec-k1").getBody().get("messageIds").size() == 2);

        JsonNode record = record("rec-k1").getBody();
        assertThat(record.get("dedupKey").asText()).isEqualTo("rec-k1");
        assertThat(record.get("status").asText()).isEqualTo("COUNTED");
        assertThat(record.get("userId").asText()).isEqualTo("rec-counted");
        assertThat(record.get("entitlementKey").asText()).isEqualTo(KEY);
        assertThat(record.get("amount").asLong()).isEqualTo(3);
        assertThat(record.get("reversed").asLong()).isZero();
        assertThat(record.get("occurredAt").asText()).isNotBlank();
        assertThat(record.get("recordedAt").asText()).isNotBlank();
        assertThat(record.get("messageIds")).extracting(JsonNode::asText).containsExactly(first, second);
        assertThat(record.get("rejections")).isEmpty();
        assertThat(http.getForObject("/api/v1/entitlements/rec-counted/" + KEY, JsonNode.class)
                        .at("/usage/used")
                        .asLong())
                .isEqualTo(3);
    }

    @Test
    void a_message_without_idempotency_key_is_found_by_its_message_id() {
        grant("rec-msgid");
        String id = sqsSend("{\"userId\":\"rec-msgid\",\"entitlementKey\":\"AI_TUTOR_ACCESS\",\"amount\":2}");
        await().atMost(Duration.ofSeconds(30)).until(() -> record(id).getStatusCode() == HttpStatus.OK);
        JsonNode record = record(id).getBody();
        assertThat(record.get("status").asText()).isEqualTo("COUNTED");
        assertThat(record.get("messageIds")).extracting(JsonNode::asText).containsExactly(id);
    }

    @Test
    void a_rejected_message_shows_its_rejections_and_is_not_counted() {
        String id = sqsSend("""
                {"userId":"rec-nobody","entitlementKey":"AI_TUTOR_ACCESS","idempotencyKey":"rec-rejected"}""");
        await().atMost(Duration.ofSeconds(30)).until(() -> rejections(id) >= 1);
        JsonNode record = record("rec-rejected").getBody();
        assertThat(record.get("status").asText()).isEqualTo("REJECTED");
        assertThat(record.get("userId").asText()).isEqualTo("rec-nobody");
        assertThat(record.get("amount").isNull()).isTrue();
        assertThat(record.get("position").isNull()).isTrue();
        assertThat(record.get("messageIds")).extracting(JsonNode::asText).containsExactly(id);
        JsonNode rejection = record.get("rejections").get(0);
        assertThat(rejection.get("reasonCode").asText()).isEqualTo("ENTITLEMENT_NOT_FOUND");
        assertThat(rejection.get("receiveCount").asInt()).isEqualTo(1);
        assertThat(rejection.get("outcome").asText()).isEqualTo("RETRY");
        assertThat(rejection.get("at").asText()).isNotBlank();
    }

    @Test
    void an_invalid_message_shows_as_invalid() {
        String id = sqsSend("""
                {"userId":"rec-invalid","entitlementKey":"AI_TUTOR_ACCESS","amount":0,"idempotencyKey":"rec-bad"}""");
        await().atMost(Duration.ofSeconds(30)).until(() -> rejections(id) >= 1);
        JsonNode record = record("rec-bad").getBody();
        assertThat(record.get("status").asText()).isEqualTo("INVALID");
        assertThat(record.get("rejections").get(0).get("reasonCode").asText()).isEqualTo("INVALID_AMOUNT");
        assertThat(record.get("rejections").get(0).get("outcome").asText()).isEqualTo("DEAD_LETTERED");
    }

    @Test
    void a_key_never_seen_is_USAGE_NOT_FOUND() {
        ResponseEntity<JsonNode> missing = record("rec-never-seen");
        assertThat(missing.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(missing.getBody().get("code").asText()).isEqualTo("USAGE_NOT_FOUND");
    }

    @Test
    void a_key_counted_on_two_entitlements_asks_which_one() {
        grant("rec-twice-a");
        grant("rec-twice-b");
        for (String user : new String[] {"rec-twice-a", "rec-twice-b"}) {
            ledger.consume(new ConsumeUsage(
                    EntitlementId.of(user, KEY), 1, Instant.now(), "rec-shared", Map.of(), "m-" + user));
        }
        ResponseEntity<JsonNode> ambiguous = record("rec-shared");
        assertThat(ambiguous.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(ambiguous.getBody().get("code").asText()).isEqualTo("AMBIGUOUS_DEDUP_KEY");
        assertThat(ambiguous.getBody().get("entitlements"))
                .extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("rec-twice-a#" + KEY, "rec-twice-b#" + KEY);
        JsonNode one = http.getForObject(
                "/api/v1/usage/records/rec-shared?userId=rec-twice-b&entitlementKey=" + KEY, JsonNode.class);
        assertThat(one.get("userId").asText()).isEqualTo("rec-twice-b");
        assertThat(one.get("status").asText()).isEqualTo("COUNTED");
    }
}
