package dev.ledger.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.intake.Queues;
import dev.ledger.projection.dynamodb.EntitlementTable;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The operations page in a real browser ({@link ConsoleBrowser}, {@code src/test/console/operations-page.mjs}): drift
 * on a damaged item, a rebuild followed until done, a dead letter redriven, the admin audit trail, a READER refused,
 * and the page at 1024 px. What the page shows is compared with what the API answers. The tests run in order: the
 * audit trail's test also finds the rebuild and the redrive of the tests before it.
 */
@IntegrationTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsPageTest {

    static final String KEY = "AI_TUTOR_ACCESS";
    static final String POLICY =
            "{\"limit\":100,\"period\":\"MONTHLY\",\"anchor\":\"2025-01-01T00:00:00Z\",\"overLimit\":\"REJECT\"}";
    static final String SCRIPT = "operations-page.mjs";

    /** What the tests before the audit trail's did, for it to find (null when it runs alone). */
    static Long rebuiltGeneration;

    static String redrivenMessageId;

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext app;

    @Autowired
    TestRestTemplate http;

    @Autowired
    EntitlementTable table;

    @Autowired
    DynamoDbClient dynamoDb;

    @Test
    @Order(1)
    void check_drift_shows_a_damaged_item_as_different_with_the_expected_and_actual_values_of_the_api()
            throws Exception {
        String user = "cons-ops-drift";
        ConsoleSeed seed = new ConsoleSeed(app);
        seed.grant(user, KEY, POLICY);
        seed.consume(user, KEY, 3, Instant.now(), user + "-1");
        seed.projected();
        Map<String, AttributeValue> original = item(user);
        Map<String, AttributeValue> damaged = new HashMap<>(original);
        damaged.put("usageCount", AttributeValue.fromN("42"));
        damaged.put("active", AttributeValue.fromBool(false));
        put(damaged);
        try {
            JsonNode api = drift(user).orElseThrow(() -> new AssertionError("the API reports no drift for " + user));
            assertThat(api.get("kind").asText()).isEqualTo("DIFFERENT");
            assertThat(api.at("/fields/usageCount/expected").asText()).isEqualTo("3");
            assertThat(api.at("/fields/usageCount/actual").asText()).isEqualTo("42");

            JsonNode seen = browser().drive(SCRIPT, "drift", AdminClient.ADMIN_TOKEN, Map.of("USER_ID", user));

            assertThat(seen.get("errors")).as("browser console errors").isEmpty();
            assertThat(texts(seen.get("headers")))
                    .contains(
                            "Projection",
                            "State",
                            "Position",
                            "Head",
                            "Lag (events)",
                            "Lag (seconds)",
                            "Replaying",
                            "Replay / rebuild progress",
                            "Generation");
            JsonNode statuses = seed.read("/api/v1/admin/projections").get("projections");
            assertThat(seen.get("projections")).hasSize(statuses.size());
            for (JsonNode status : statuses) {
                JsonNode row = projectionRow(seen, status.get("projection").asText());
                assertThat(row.get("cells").get(0).asText())
                        .contains(status.get("processor").asText());
            }
            JsonNode rows = seen.get("rows");
            assertThat(rows)
                    .as("one row per differing attribute")
                    .hasSize(api.get("fields").size());
            api.get("fields").fields().forEachRemaining(field -> {
                JsonNode row = find(rows, "attribute", field.getKey());
                assertThat(row.get("kind").asText()).isEqualTo("DIFFERENT");
                assertThat(row.get("entitlementKey").asText()).isEqualTo(KEY);
                assertThat(row.get("expected").asText())
                        .isEqualTo(field.getValue().get("expected").asText());
                assertThat(row.get("actual").asText())
                        .isEqualTo(field.getValue().get("actual").asText());
            });
            assertThat(find(rows, "attribute", "usageCount").get("kindShown").asText())
                    .as("the kind on the item's first row")
                    .isIn("DIFFERENT", "");
            assertThat(rows.get(0).get("kindShown").asText()).isEqualTo("DIFFERENT");
            assertThat(seen.get("summary").asText()).contains("Checked ");
            assertThat(ConsoleBrowser.SCREENSHOTS.resolve("operations-drift.png"))
                    .isNotEmptyFile();
        } finally {
            put(original);
        }
        assertThat(drift(user)).as("the item is restored").isEmpty();
    }

    @Test
    @Order(2)
    void a_confirmed_rebuild_shows_its_progress_until_done_and_repairs_the_item() throws Exception {
        String user = "cons-ops-rebuild";
        ConsoleSeed seed = new ConsoleSeed(app);
        seed.grant(user, KEY, POLICY);
        seed.consume(user, KEY, 2, Instant.now(), user + "-1");
        seed.projected();
        Map<String, AttributeValue> damaged = new HashMap<>(item(user));
        damaged.put("usageCount", AttributeValue.fromN("77"));
        put(damaged);
        assertThat(drift(user)).as("damaged").isPresent();
        long generationBefore = dynamodbStatus(seed).get("generation").asLong();

        JsonNode seen = browser().drive(SCRIPT, "rebuild", AdminClient.ADMIN_TOKEN, Map.of());

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(seen.at("/before/generation").asLong()).isEqualTo(generationBefore);
        assertThat(seen.get("confirmText").asText())
                .contains(
                        "Rebuild dynamodb?", "one pass over the event store", "Confirm rebuild of dynamodb", "Cancel");
        assertThat(seen.get("focusedConfirm").asBoolean())
                .as("the confirmation takes the focus")
                .isTrue();
        assertThat(seen.at("/whileAsking/generation").asLong())
                .as("asking posts nothing: a poll later the generation is the same")
                .isEqualTo(generationBefore);
        long generation = seen.get("generation").asLong();
        rebuiltGeneration = generation;
        assertThat(generation).isEqualTo(generationBefore + 1);
        assertThat(seen.get("startedText").asText())
                .contains("Rebuild of dynamodb", "entitlement-table", "generation " + generation);
        List<String> lines = texts(seen.get("lines"));
        assertThat(lines).as("progress, then done").hasSizeGreaterThanOrEqualTo(2);
        assertThat(lines.subList(0, lines.size() - 1))
                .as("the progress shown before it was done")
                .allSatisfy(line -> assertThat(line).doesNotStartWith("Rebuild done"))
                .allSatisfy(line -> assertThat(line)
                        .matches("(Started; waiting.*|Waiting for generation.*|(REBUILDING|REPLAYING|RESETTING|STOPPED"
                                + "|RUNNING).*lag \\d+ events.*)"));
        assertThat(lines.get(lines.size() - 1)).isEqualTo(seen.get("doneText").asText());
        assertThat(seen.get("doneText").asText())
                .isEqualTo("Rebuild done: dynamodb is RUNNING at generation " + generation + ", lag 0 events.");
        assertThat(seen.at("/after/state").asText()).isEqualTo("RUNNING");
        assertThat(seen.at("/after/lagEvents").asLong()).isZero();
        assertThat(seen.at("/after/generation").asLong()).isEqualTo(generation);
        assertThat(seen.get("buttonEnabled").asBoolean()).isTrue();

        JsonNode status = dynamodbStatus(seed);
        assertThat(status.get("generation").asLong()).isEqualTo(generation);
        assertThat(drift(user)).as("drift via the API after the rebuild").isEmpty();
        assertThat(item(user).get("usageCount").n()).isEqualTo("2");
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("operations.png")).isNotEmptyFile();
    }

    @Test
    @Order(3)
    void a_dead_letter_selected_alone_is_redriven_and_then_counted() throws Exception {
        String user = "cons-ops-dlq";
        ConsoleSeed seed = new ConsoleSeed(app);
        String messageId = seed.sendRejected(user, KEY, 4, user + "-before-grant");
        JsonNode letter = await().atMost(Duration.ofSeconds(60))
                .until(() -> deadLetter(seed, "originalMessageId", messageId), Optional::isPresent)
                .orElseThrow();
        assertThat(letter.get("reasonCode").asText()).isEqualTo("ENTITLEMENT_NOT_FOUND");
        seed.grant(user, KEY, POLICY);

        JsonNode seen = browser().drive(SCRIPT, "deadLetter", AdminClient.ADMIN_TOKEN, Map.of("MESSAGE_ID", messageId));

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        JsonNode listed = seen.get("listed");
        assertThat(listed.get("messageId").asText())
                .isEqualTo(letter.get("messageId").asText());
        assertThat(listed.get("reasonCode").asText()).isEqualTo("ENTITLEMENT_NOT_FOUND");
        assertThat(listed.get("reasonDetail").asText())
                .isEqualTo(letter.get("reasonDetail").asText());
        assertThat(listed.get("receiveCount").asInt())
                .isEqualTo(letter.get("receiveCount").asInt());
        assertThat(listed.get("counted").asText()).isEqualTo("false");
        assertThat(listed.get("body").asText()).isEqualTo(letter.get("body").asText());
        assertThat(seen.get("disabledBefore").asBoolean())
                .as("nothing selected, nothing to redrive")
                .isTrue();
        assertThat(texts(seen.get("checked")))
                .as("only this test's message is selected")
                .containsExactly(letter.get("messageId").asText());
        assertThat(seen.get("buttonText").asText()).isEqualTo("Redrive selected (1)");
        assertThat(seen.at("/result/moved").asInt()).isEqualTo(1);
        assertThat(seen.at("/result/notFound").asInt()).isZero();
        assertThat(seen.at("/result/text").asText()).isEqualTo("Redrive: moved 1, not found 0.");
        redrivenMessageId = letter.get("messageId").asText();

        await().atMost(Duration.ofSeconds(30))
                .until(() -> seed.read("/api/v1/users/" + user + "/entitlements")
                                .get(0)
                                .at("/usage/used")
                                .asLong()
                        == 4);
        assertThat(deadLetter(seed, "originalMessageId", messageId)).isEmpty();
        JsonNode record = seed.read("/api/v1/usage/records/" + user + "-before-grant");
        assertThat(record.get("status").asText()).isEqualTo("COUNTED");
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("operations-dead-letters.png"))
                .isNotEmptyFile();
    }

    @Test
    @Order(4)
    void the_audit_trail_lists_the_admin_requests_newest_first_as_the_api_does_over_its_pages() throws Exception {
        String user = "cons-ops-audit";
        ConsoleSeed seed = new ConsoleSeed(app);
        seed.grant(user, KEY, POLICY);
        for (int i = 0; i < 11; i++) {
            post("/api/v1/entitlements/" + user + "/" + KEY + "/deactivate", "{\"reason\":\"ops audit " + i + "\"}");
            post("/api/v1/entitlements/" + user + "/" + KEY + "/activate", null);
        }
        int rows = 60;

        JsonNode seen =
                browser().drive(SCRIPT, "audit", AdminClient.ADMIN_TOKEN, Map.of("ROWS", Integer.toString(rows)));

        assertThat(seen.get("errors")).as("browser console errors").isEmpty();
        assertThat(texts(seen.get("headers")))
                .containsExactly("Time", "Caller", "Role", "Action", "Target", "Reason", "Status");
        assertThat(seen.get("firstPage").asInt()).isEqualTo(20);
        List<JsonNode> api = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = seed.read("/api/v1/admin/audit?limit=20" + (cursor == null ? "" : "&cursor=" + cursor));
            page.get("entries").forEach(api::add);
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asText();
        } while (cursor != null && api.size() < rows);
        JsonNode shown = seen.get("entries");
        assertThat(shown).as("every page the person opened").hasSize(api.size());
        for (int i = 0; i < api.size(); i++) {
            JsonNode entry = api.get(i);
            JsonNode row = shown.get(i);
            assertThat(row.get("id").asLong())
                    .as("row %s", i)
                    .isEqualTo(entry.get("id").asLong());
            assertThat(row.get("at").asText()).isEqualTo(entry.get("at").asText());
            assertThat(row.get("atShown").asText()).endsWith(" UTC");
            assertThat(row.get("caller").asText()).isEqualTo(entry.get("caller").asText());
            assertThat(row.get("role").asText()).isEqualTo(entry.get("role").asText());
            assertThat(row.get("action").asText()).isEqualTo(entry.get("action").asText());
            assertThat(row.get("status").asInt()).isEqualTo(entry.get("status").asInt());
            assertThat(row.get("reason").asText())
                    .isEqualTo(
                            entry.get("reason").isNull()
                                    ? "—"
                                    : entry.get("reason").asText());
            if (!entry.get("target").isNull()) {
                assertThat(row.get("target").asText())
                        .contains(entry.get("target").asText());
            }
            if (!entry.get("userId").isNull()) {
                assertThat(row.get("target").asText())
                        .contains(entry.get("userId").asText());
            }
        }
        assertThat(shown.get(0).get("action").asText()).as("newest first").isEqualTo("activate");
        assertThat(shown.get(1).get("reason").asText()).isEqualTo("ops audit 10");
        assertThat(shown.get(1).get("caller").asText()).isEqualTo("dev-admin");
        List<String> targets = new ArrayList<>();
        shown.forEach(row ->
                targets.add(row.get("action").asText() + " " + row.get("target").asText()));
        if (rebuiltGeneration != null) {
            assertThat(targets).as("the rebuild of the test before").contains("rebuild entitlement-table");
        }
        if (redrivenMessageId != null) {
            assertThat(targets)
                    .as("the redrive of the test before")
                    .contains("redrive messageIds [" + redrivenMessageId + "]");
        }
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("operations-audit.png")).isNotEmptyFile();
    }

    @Test
    @Order(5)
    void a_reader_who_opens_the_operations_page_sees_that_the_role_may_not_do_this_with_the_code() throws Exception {
        JsonNode seen = browser().drive(SCRIPT, "forbidden", AdminClient.READER_TOKEN, Map.of());

        assertThat(seen.get("heading").asText()).isEqualTo("Operations");
        assertThat(seen.get("message").asText()).isEqualTo("Your role may not do this.");
        assertThat(seen.get("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(seen.get("detail").asText()).isNotBlank();
        assertThat(seen.get("tables").asInt()).as("nothing else is shown").isZero();
        assertThat(texts(seen.get("adminCalls")))
                .as("one admin call, not polled again")
                .containsExactly("GET /api/v1/admin/projections");
        assertThat(seen.get("errors"))
                .as("only the browser's own note of the 403")
                .hasSize(1)
                .allSatisfy(error -> assertThat(error.asText()).contains("403"));
        assertThat(ConsoleBrowser.SCREENSHOTS.resolve("operations-forbidden.png"))
                .isNotEmptyFile();
    }

    @Test
    @Order(6)
    void a_failed_poll_shows_its_problem_and_polling_goes_on_and_a_401_from_a_poll_returns_to_sign_in()
            throws Exception {
        JsonNode seen = browser().drive(SCRIPT, "pollFailures", AdminClient.ADMIN_TOKEN, Map.of());

        assertThat(seen.at("/outage/code").asText()).isEqualTo("TEST_OUTAGE");
        assertThat(seen.at("/outage/detail").asText()).isEqualTo("the status could not be read");
        assertThat(seen.at("/outage/rows").asInt())
                .as("the last status stays shown")
                .isEqualTo(2);
        assertThat(seen.get("url").asText()).contains("#/sign-in");
        assertThat(seen.get("message").asText()).contains("Sign in again", "UNAUTHORIZED", "the token expired");
        assertThat(texts(seen.get("errors")))
                .as("only the browser's own notes of the refused polls")
                .hasSize(2)
                .anySatisfy(error -> assertThat(error).contains("503"))
                .anySatisfy(error -> assertThat(error).contains("401"));
    }

    @Test
    @Order(7)
    void at_1024_px_nothing_overflows_horizontally_with_a_long_dead_letter_and_the_drift_result() throws Exception {
        ConsoleSeed seed = new ConsoleSeed(app);
        String user = "cons-ops-wide";
        seed.grant(user, KEY, POLICY);
        seed.consume(user, KEY, 5, Instant.now(), user + "-1");
        seed.projected();
        Map<String, AttributeValue> original = item(user);
        Map<String, AttributeValue> damaged = new HashMap<>(original);
        damaged.put("usageCount", AttributeValue.fromN("123456789012345"));
        damaged.put("period", AttributeValue.fromS("P".repeat(120)));
        put(damaged);
        String messageId = seed.send("{\"userId\":\"cons-ops-wide\",\"note\":\"" + "x".repeat(400));
        JsonNode letter = await().atMost(Duration.ofSeconds(30))
                .until(() -> deadLetter(seed, "originalMessageId", messageId), Optional::isPresent)
                .orElseThrow();
        assertThat(letter.get("reasonCode").asText()).isEqualTo("MALFORMED_JSON");
        try {
            JsonNode seen = browser()
                    .drive(
                            SCRIPT,
                            "narrow",
                            AdminClient.ADMIN_TOKEN,
                            Map.of("MESSAGE_ID", letter.get("messageId").asText(), "USER_ID", user));

            assertThat(seen.get("errors")).as("browser console errors").isEmpty();
            assertThat(seen.get("innerWidth").asInt()).isEqualTo(1024);
            assertThat(seen.get("driftShown").asInt())
                    .as("the drift table with the long values is shown")
                    .isEqualTo(2);
            assertThat(seen.get("scrollWidth").asInt())
                    .as("nothing overflows horizontally: %s", seen.get("wider"))
                    .isLessThanOrEqualTo(1024);
            assertThat(ConsoleBrowser.SCREENSHOTS.resolve("operations-1024.png"))
                    .isNotEmptyFile();
        } finally {
            deleteDeadLetter(letter.get("messageId").asText());
            put(original);
        }
    }

    private ConsoleBrowser browser() {
        return new ConsoleBrowser(port);
    }

    private Map<String, AttributeValue> item(String user) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table.name())
                        .key(Map.of("userId", AttributeValue.fromS(user), "entitlementKey", AttributeValue.fromS(KEY)))
                        .consistentRead(true))
                .item();
        assertThat(item).as("the item of %s", user).isNotEmpty();
        return item;
    }

    /** Damage (or repair) done behind the ledger's back, as the drift tests do. */
    private void put(Map<String, AttributeValue> item) {
        dynamoDb.putItem(r -> r.tableName(table.name()).item(item));
    }

    /** The API's drift report for the user's entitlement, if any. */
    private Optional<JsonNode> drift(String user) {
        JsonNode report = new ConsoleSeed(app).read("/api/v1/admin/projections/dynamodb/drift");
        for (JsonNode drift : report.get("drift")) {
            if (drift.get("userId").asText().equals(user)
                    && drift.get("entitlementKey").asText().equals(KEY)) {
                return Optional.of(drift);
            }
        }
        return Optional.empty();
    }

    private static JsonNode dynamodbStatus(ConsoleSeed seed) {
        for (JsonNode status : seed.read("/api/v1/admin/projections").get("projections")) {
            if (status.get("projection").asText().equals("dynamodb")) {
                return status;
            }
        }
        throw new AssertionError("no dynamodb projection");
    }

    private static Optional<JsonNode> deadLetter(ConsoleSeed seed, String field, String id) {
        for (JsonNode letter :
                seed.read("/api/v1/admin/dead-letters?limit=1000").get("messages")) {
            if (letter.get(field).asText().equals(id)) {
                return Optional.of(letter);
            }
        }
        return Optional.empty();
    }

    private void post(String path, String body) {
        ResponseEntity<String> answer = http.exchange(
                path, HttpMethod.POST, new HttpEntity<>(body, ConsoleSeed.json(AdminClient.ADMIN_TOKEN)), String.class);
        assertThat(answer.getStatusCode()).as("%s: %s", path, answer.getBody()).isEqualTo(HttpStatus.OK);
    }

    /** Takes this test's message out of the DLQ that other tests share; the others are made visible again at once. */
    private void deleteDeadLetter(String dlqMessageId) {
        SqsAsyncClient sqs = app.getBean(SqsAsyncClient.class);
        String url = app.getBean(Queues.class).deadLetterQueueUrl();
        List<Message> others = new ArrayList<>();
        try {
            List<Message> messages;
            do {
                messages = sqs.receiveMessage(r -> r.queueUrl(url)
                                .maxNumberOfMessages(10)
                                .visibilityTimeout(30)
                                .waitTimeSeconds(0))
                        .join()
                        .messages();
                for (Message message : messages) {
                    if (message.messageId().equals(dlqMessageId)) {
                        sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(message.receiptHandle()))
                                .join();
                    } else {
                        others.add(message);
                    }
                }
            } while (!messages.isEmpty());
        } finally {
            for (Message message : others) {
                sqs.changeMessageVisibility(r -> r.queueUrl(url)
                                .receiptHandle(message.receiptHandle())
                                .visibilityTimeout(0))
                        .join();
            }
        }
    }

    private static JsonNode projectionRow(JsonNode seen, String projection) {
        return find(seen.get("projections"), "projection", projection);
    }

    private static JsonNode find(JsonNode rows, String field, String value) {
        for (JsonNode row : rows) {
            if (row.path(field).asText().equals(value)) {
                return row;
            }
        }
        throw new AssertionError("no row with " + field + " " + value + " in " + rows);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
