package dev.ledger.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionStatus;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/** One append-only audit row per admin request, whatever its outcome, and the endpoint that reads them back. */
@IntegrationTest
class AuditTrailTest {

    private static final String ENTITLEMENTS = "/api/v1/entitlements";

    @Autowired
    TestRestTemplate http;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    DataSource dataSource;

    @Autowired
    PrometheusMeterRegistry meters;

    @Autowired
    ProjectionStatus projections;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    private ResponseEntity<JsonNode> send(HttpMethod method, String path, String json, String token, String requestId) {
        HttpHeaders headers = new HttpHeaders();
        if (json != null) {
            headers.setContentType(MediaType.APPLICATION_JSON);
        }
        if (token != null) {
            headers.setBearerAuth(token);
        } else {
            headers.set(HttpHeaders.AUTHORIZATION, "");
        }
        if (requestId != null) {
            headers.set(AuditTrail.REQUEST_ID_HEADER, requestId);
        }
        return http.exchange(path, method, new HttpEntity<>(json, headers), JsonNode.class);
    }

    private ResponseEntity<JsonNode> asAdmin(HttpMethod method, String path, String json, String requestId) {
        return send(method, path, json, AdminClient.ADMIN_TOKEN, requestId);
    }

    private static String requestId() {
        return "audit-test-" + UUID.randomUUID();
    }

    private void grant(String userId, String key) {
        ResponseEntity<JsonNode> granted = asAdmin(
                HttpMethod.POST,
                ENTITLEMENTS,
                "{\"userId\":\"" + userId + "\",\"entitlementKey\":\"" + key
                        + "\",\"usage\":{\"limit\":5,\"period\":\"DAILY\"}}",
                requestId());
        assertThat(granted.getStatusCode()).isEqualTo(HttpStatus.CREATED);
    }

    /** The one row of a request, once it is written. */
    private Map<String, Object> rowOf(String requestId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !rowsOf(requestId).isEmpty());
        List<Map<String, Object>> rows = rowsOf(requestId);
        assertThat(rows).as("audit rows of request %s", requestId).hasSize(1);
        return rows.get(0);
    }

    private List<Map<String, Object>> rowsOf(String requestId) {
        return jdbc.queryForList("SELECT * FROM admin_audit WHERE request_id = ?", requestId);
    }

    private static void assertRow(
            Map<String, Object> row,
            String action,
            String caller,
            String role,
            String userId,
            String key,
            String target,
            String reason,
            int status) {
        assertThat(row)
                .containsEntry("action", action)
                .containsEntry("caller", caller)
                .containsEntry("role", role)
                .containsEntry("user_id", userId)
                .containsEntry("entitlement_key", key)
                .containsEntry("target", target)
                .containsEntry("reason", reason)
                .containsEntry("status", status);
        assertThat(((Timestamp) row.get("at")).toInstant())
                .isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
    }

    private static void assertProblem(ResponseEntity<JsonNode> response, HttpStatus status, String code) {
        assertThat(response.getStatusCode()).as("%s", response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).hasToString("application/problem+json");
        assertThat(response.getBody().get("code").asText()).isEqualTo(code);
        assertThat(response.getBody().get("detail").asText()).isNotBlank();
    }

    private long eventsOf(String userId, String key) {
        return jdbc.queryForObject(
                "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier = ?",
                Long.class,
                userId + "#" + key);
    }

    @Nested
    class Recording {

        @Test
        void every_entitlement_action_writes_one_row_with_caller_role_target_reason_and_status() {
            String user = "audit-user-1";
            String key = "AUDITED";
            String grant = requestId();
            assertThat(asAdmin(
                                    HttpMethod.POST,
                                    ENTITLEMENTS,
                                    "{\"userId\":\"" + user + "\",\"entitlementKey\":\"" + key
                                            + "\",\"usage\":{\"limit\":5,\"period\":\"DAILY\"}}",
                                    grant)
                            .getStatusCode())
                    .isEqualTo(HttpStatus.CREATED);
            assertRow(rowOf(grant), "grant", "dev-admin", "ADMIN", user, key, null, null, 201);

            String base = ENTITLEMENTS + "/" + user + "/" + key;
            String change = requestId();
            asAdmin(HttpMethod.PUT, base + "/usage", "{\"limit\":7,\"period\":\"DAILY\"}", change);
            assertRow(rowOf(change), "change-usage", "dev-admin", "ADMIN", user, key, null, null, 200);

            String deactivate = requestId();
            asAdmin(HttpMethod.POST, base + "/deactivate", "{\"reason\":\"contract ended, ticket 81\"}", deactivate);
            assertRow(
                    rowOf(deactivate),
                    "deactivate",
                    "dev-admin",
                    "ADMIN",
                    user,
                    key,
                    null,
                    "contract ended, ticket 81",
                    200);

            String activate = requestId();
            asAdmin(HttpMethod.POST, base + "/activate", null, activate);
            assertRow(rowOf(activate), "activate", "dev-admin", "ADMIN", user, key, null, null, 200);

            String reset = requestId();
            ResponseEntity<JsonNode> resetAnswer =
                    asAdmin(HttpMethod.POST, base + "/reset", "{\"reason\":\"double count, ticket 4411\"}", reset);
            assertThat(resetAnswer.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertRow(rowOf(reset), "reset", "dev-admin", "ADMIN", user, key, null, "double count, ticket 4411", 200);

            // the reason travels with the events, next to the caller and the action
            List<String> metaData = jdbc.queryForList(
                    "SELECT convert_from(meta_data, 'UTF8') FROM domain_event_entry WHERE aggregate_identifier = ? "
                            + "ORDER BY sequence_number",
                    String.class,
                    user + "#" + key);
            assertThat(metaData)
                    .anySatisfy(m -> assertThat(m)
                            .contains("\"action\":\"deactivate\"")
                            .contains("\"reason\":\"contract ended, ticket 81\"")
                            .contains("\"caller\":\"dev-admin\""))
                    .anySatisfy(m -> assertThat(m)
                            .contains("\"action\":\"reset\"")
                            .contains("\"reason\":\"double count, ticket 4411\""));
        }

        @Test
        void import_rebuild_and_redrive_write_a_row_with_what_they_target() {
            String importing = requestId();
            assertProblem(
                    asAdmin(HttpMethod.POST, "/api/v1/admin/imports", "{\"table\":\"audit-no-such-table\"}", importing),
                    HttpStatus.NOT_FOUND,
                    "TABLE_NOT_FOUND");
            assertRow(rowOf(importing), "import", "dev-admin", "ADMIN", null, null, "audit-no-such-table", null, 404);

            String rebuild = requestId();
            assertProblem(
                    asAdmin(HttpMethod.POST, "/api/v1/admin/projections/audit-nothing/rebuild", null, rebuild),
                    HttpStatus.BAD_REQUEST,
                    "UNKNOWN_PROJECTION");
            assertRow(rowOf(rebuild), "rebuild", "dev-admin", "ADMIN", null, null, "audit-nothing", null, 400);

            String redrive = requestId();
            ResponseEntity<JsonNode> redriven = asAdmin(
                    HttpMethod.POST,
                    "/api/v1/admin/dead-letters/redrive",
                    "{\"messageIds\":[\"audit-unknown-2\",\"audit-unknown-1\"]}",
                    redrive);
            assertThat(redriven.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(redriven.getBody().get("moved").asInt()).isZero();
            assertRow(
                    rowOf(redrive),
                    "redrive",
                    "dev-admin",
                    "ADMIN",
                    null,
                    null,
                    "messageIds [audit-unknown-1, audit-unknown-2]",
                    null,
                    200);
        }

        @Test
        void a_rebuild_is_recorded_with_the_processor_it_restarts() {
            String rebuild = requestId();
            assertThat(asAdmin(HttpMethod.POST, "/api/v1/admin/projections/history/rebuild", null, rebuild)
                            .getStatusCode())
                    .isEqualTo(HttpStatus.ACCEPTED);
            assertRow(rowOf(rebuild), "rebuild", "dev-admin", "ADMIN", null, null, "usage-history", null, 202);
            // leave the shared context with its projections caught up
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> Arrays.stream(Projection.values())
                            .map(projections::of)
                            .allMatch(p -> p.lagEvents() == 0 && !p.replaying() && "RUNNING".equals(p.state())));
        }

        @Test
        void refused_requests_are_recorded_too_a_readers_403_a_400_and_404s() {
            String user = "audit-user-2";
            grant(user, "AUDITED");
            String base = ENTITLEMENTS + "/" + user + "/AUDITED";

            String forbidden = requestId();
            ResponseEntity<JsonNode> asReader = send(
                    HttpMethod.POST, base + "/reset", "{\"reason\":\"curious\"}", AdminClient.READER_TOKEN, forbidden);
            assertProblem(asReader, HttpStatus.FORBIDDEN, "FORBIDDEN");
            assertRow(rowOf(forbidden), "reset", "dev-reader", "READER", user, "AUDITED", null, null, 403);

            String reversal = requestId();
            send(
                    HttpMethod.POST,
                    base + "/reversals",
                    "{\"dedupKey\":\"k\",\"reason\":\"r\"}",
                    AdminClient.READER_TOKEN,
                    reversal);
            assertRow(rowOf(reversal), "reversal", "dev-reader", "READER", user, "AUDITED", null, null, 403);

            String unknownUsage = requestId();
            assertProblem(
                    asAdmin(
                            HttpMethod.POST,
                            base + "/reversals",
                            "{\"dedupKey\":\"audit-never-counted\",\"reason\":\"refund\"}",
                            unknownUsage),
                    HttpStatus.NOT_FOUND,
                    "USAGE_NOT_FOUND");
            assertThat(rowOf(unknownUsage))
                    .containsEntry("action", "reversal")
                    .containsEntry("caller", "dev-admin")
                    .containsEntry("user_id", user)
                    .containsEntry("entitlement_key", "AUDITED")
                    .containsEntry("reason", "refund")
                    .containsEntry("target", "dedupKey audit-never-counted")
                    .containsEntry("status", 404);

            String dryRun = requestId();
            asAdmin(
                    HttpMethod.POST,
                    base + "/reversals?dryRun=true",
                    "{\"dedupKey\":\"audit-never-counted\",\"reason\":\"what if\"}",
                    dryRun);
            assertThat(rowOf(dryRun))
                    .as("a dry run is audited as one")
                    .containsEntry("action", "reversal")
                    .containsEntry("target", "dedupKey audit-never-counted (dry run)")
                    .containsEntry("status", 404);

            String noReason = requestId();
            assertProblem(
                    asAdmin(HttpMethod.POST, base + "/reset", null, noReason),
                    HttpStatus.BAD_REQUEST,
                    "REASON_REQUIRED");
            assertRow(rowOf(noReason), "reset", "dev-admin", "ADMIN", user, "AUDITED", null, null, 400);

            String unknown = requestId();
            assertProblem(
                    asAdmin(
                            HttpMethod.POST,
                            ENTITLEMENTS + "/audit-nobody/AUDITED/deactivate",
                            "{\"reason\":\"cleanup\"}",
                            unknown),
                    HttpStatus.NOT_FOUND,
                    "ENTITLEMENT_NOT_FOUND");
            assertRow(
                    rowOf(unknown),
                    "deactivate",
                    "dev-admin",
                    "ADMIN",
                    "audit-nobody",
                    "AUDITED",
                    null,
                    "cleanup",
                    404);

            String badBody = requestId();
            assertProblem(
                    asAdmin(HttpMethod.POST, ENTITLEMENTS, "{\"userId\":", badBody),
                    HttpStatus.BAD_REQUEST,
                    "MALFORMED_JSON");
            assertRow(rowOf(badBody), "grant", "dev-admin", "ADMIN", null, null, null, null, 400);
        }

        @Test
        void unauthenticated_requests_are_not_recorded_and_reads_are_not_admin_actions() {
            String user = "audit-user-3";
            grant(user, "AUDITED");
            String anonymous = requestId();
            assertProblem(
                    send(
                            HttpMethod.POST,
                            ENTITLEMENTS + "/" + user + "/AUDITED/reset",
                            "{\"reason\":\"x\"}",
                            null,
                            anonymous),
                    HttpStatus.UNAUTHORIZED,
                    "UNAUTHORIZED");
            String badToken = requestId();
            assertProblem(
                    send(
                            HttpMethod.POST,
                            ENTITLEMENTS + "/" + user + "/AUDITED/reset",
                            "{\"reason\":\"x\"}",
                            "not-a-token",
                            badToken),
                    HttpStatus.UNAUTHORIZED,
                    "UNAUTHORIZED");
            String read = requestId();
            assertThat(asAdmin(HttpMethod.GET, ENTITLEMENTS + "/" + user + "/AUDITED", null, read)
                            .getStatusCode())
                    .isEqualTo(HttpStatus.OK);
            // a later admin request's row is there: the earlier ones would have been written before it
            String later = requestId();
            asAdmin(HttpMethod.POST, ENTITLEMENTS + "/" + user + "/AUDITED/activate", null, later);
            rowOf(later);
            assertThat(rowsOf(anonymous)).isEmpty();
            assertThat(rowsOf(badToken)).isEmpty();
            assertThat(rowsOf(read)).isEmpty();
        }

        @Test
        void the_request_id_is_the_callers_when_sane_else_generated_and_is_echoed() {
            String user = "audit-user-4";
            grant(user, "AUDITED");
            String path = ENTITLEMENTS + "/" + user + "/AUDITED/activate";

            String given = requestId();
            ResponseEntity<JsonNode> echoed = asAdmin(HttpMethod.POST, path, null, given);
            assertThat(echoed.getHeaders().getFirst(AuditTrail.REQUEST_ID_HEADER))
                    .isEqualTo(given);
            rowOf(given);

            ResponseEntity<JsonNode> generated = asAdmin(HttpMethod.POST, path, null, null);
            String id = generated.getHeaders().getFirst(AuditTrail.REQUEST_ID_HEADER);
            assertThat(UUID.fromString(id)).isNotNull();
            assertThat(rowOf(id)).containsEntry("action", "activate");

            ResponseEntity<JsonNode> tooLong = asAdmin(HttpMethod.POST, path, null, "r".repeat(129));
            String replaced = tooLong.getHeaders().getFirst(AuditTrail.REQUEST_ID_HEADER);
            assertThat(UUID.fromString(replaced)).isNotNull();
            rowOf(replaced);
        }

        @Test
        void every_mutating_endpoint_of_the_api_is_an_audited_action() {
            List<String> mutating = new ArrayList<>();
            mappings.getHandlerMethods()
                    .keySet()
                    .forEach(info -> info.getMethodsCondition().getMethods().forEach(method -> {
                        if (method != RequestMethod.GET && method != RequestMethod.HEAD) {
                            info.getPatternValues().forEach(path -> mutating.add(method.name() + " " + path));
                        }
                    }));
            List<String> audited = Arrays.stream(AdminAction.values())
                    .map(a -> a.method() + " " + a.path())
                    .toList();
            assertThat(mutating)
                    .isNotEmpty()
                    .allSatisfy(endpoint -> assertThat(audited).contains(endpoint));
        }

        @Test
        void a_row_that_cannot_be_written_is_counted_and_the_answer_is_still_sent() throws SQLException {
            String user = "audit-user-5";
            grant(user, "AUDITED");
            String refused = requestId();
            try (Connection connection = dataSource.getConnection();
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE FUNCTION audit_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
                        + "BEGIN RAISE EXCEPTION 'refused by AuditTrailTest'; END; $$");
                statement.execute("CREATE TRIGGER audit_test_refuse BEFORE INSERT ON admin_audit FOR EACH ROW "
                        + "WHEN (NEW.request_id = '" + refused + "') EXECUTE FUNCTION audit_test_refuse()");
            }
            double before = meters.get("ledger.audit.failures").counter().count();
            try {
                ResponseEntity<JsonNode> reset = asAdmin(
                        HttpMethod.POST,
                        ENTITLEMENTS + "/" + user + "/AUDITED/reset",
                        "{\"reason\":\"audit store down\"}",
                        refused);
                assertThat(reset.getStatusCode()).isEqualTo(HttpStatus.OK);
                assertThat(reset.getBody().get("version").asLong()).isEqualTo(1);
                // read from Prometheus: the composite registry would answer CloudWatch's count of the last whole minute
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(meters.get("ledger.audit.failures")
                                        .counter()
                                        .count())
                                .isEqualTo(before + 1));
                assertThat(rowsOf(refused)).isEmpty();
            } finally {
                jdbc.execute("DROP TRIGGER audit_test_refuse ON admin_audit");
                jdbc.execute("DROP FUNCTION audit_test_refuse()");
            }
        }
    }

    @Nested
    class Reasons {

        @Test
        void a_reset_without_a_valid_reason_is_400_REASON_REQUIRED_and_changes_nothing() {
            String user = "audit-user-6";
            grant(user, "AUDITED");
            String path = ENTITLEMENTS + "/" + user + "/AUDITED/reset";
            long events = eventsOf(user, "AUDITED");
            List<String> bodies = new ArrayList<>();
            bodies.add(null);
            bodies.add("{}");
            bodies.add("{\"reason\":null}");
            bodies.add("{\"reason\":\"\"}");
            bodies.add("{\"reason\":\"   \"}");
            bodies.add("{\"reason\":\"" + "é".repeat(501) + "\"}");
            for (String body : bodies) {
                assertProblem(asAdmin(HttpMethod.POST, path, body, null), HttpStatus.BAD_REQUEST, "REASON_REQUIRED");
            }
            assertThat(eventsOf(user, "AUDITED")).isEqualTo(events);
            assertThat(http.getForObject(ENTITLEMENTS + "/" + user + "/AUDITED", JsonNode.class)
                            .get("version")
                            .asLong())
                    .isZero();

            String longest = "é".repeat(500);
            String accepted = requestId();
            assertThat(asAdmin(HttpMethod.POST, path, "{\"reason\":\"" + longest + "\"}", accepted)
                            .getStatusCode())
                    .isEqualTo(HttpStatus.OK);
            assertThat(rowOf(accepted)).containsEntry("reason", longest);
            assertThat(eventsOf(user, "AUDITED")).isEqualTo(events + 1);
        }

        @Test
        void deactivate_and_activate_take_an_optional_reason_but_not_a_blank_or_overlong_one() {
            String user = "audit-user-7";
            grant(user, "AUDITED");
            long events = eventsOf(user, "AUDITED");
            String base = ENTITLEMENTS + "/" + user + "/AUDITED";
            assertProblem(
                    asAdmin(HttpMethod.POST, base + "/deactivate", "{\"reason\":\" \"}", null),
                    HttpStatus.BAD_REQUEST,
                    "INVALID_REASON");
            assertProblem(
                    asAdmin(HttpMethod.POST, base + "/activate", "{\"reason\":\"" + "x".repeat(501) + "\"}", null),
                    HttpStatus.BAD_REQUEST,
                    "INVALID_REASON");
            assertThat(eventsOf(user, "AUDITED")).isEqualTo(events);
            assertThat(asAdmin(HttpMethod.POST, base + "/deactivate", "{}", null)
                            .getBody()
                            .get("active")
                            .asBoolean())
                    .isFalse();
        }
    }

    @Nested
    class AppendOnly {

        @Test
        void an_update_a_delete_and_a_truncate_of_audit_rows_fail() throws SQLException {
            String user = "audit-user-8";
            String id = requestId();
            grant(user, "AUDITED");
            asAdmin(HttpMethod.POST, ENTITLEMENTS + "/" + user + "/AUDITED/activate", null, id);
            long row = ((Number) rowOf(id).get("id")).longValue();
            try (Connection connection = dataSource.getConnection();
                    Statement statement = connection.createStatement()) {
                assertThatThrownBy(() -> statement.executeUpdate(
                                "UPDATE admin_audit SET reason = 'rewritten', status = 200 WHERE id = " + row))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("append-only");
                assertThatThrownBy(() -> statement.executeUpdate("DELETE FROM admin_audit WHERE id = " + row))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("append-only");
                assertThatThrownBy(() -> statement.executeUpdate("TRUNCATE admin_audit"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("append-only");
            }
            assertThat(rowOf(id)).containsEntry("reason", null).containsEntry("action", "activate");
        }

        @Test
        void the_owner_keeps_only_insert_and_select_of_the_data_privileges() {
            List<String> privileges = jdbc.queryForList(
                    "SELECT a.privilege_type FROM pg_class c, aclexplode(c.relacl) a "
                            + "WHERE c.relname = 'admin_audit' AND a.grantee = c.relowner",
                    String.class);
            assertThat(privileges).contains("INSERT", "SELECT").doesNotContain("UPDATE", "DELETE", "TRUNCATE");
        }
    }

    @Nested
    class Reading {

        private String caller;
        private List<AuditEntry> inserted;
        private static final Instant T0 = Instant.parse("2021-03-01T00:00:00Z");

        /**
         * 250 rows of one caller in the past, three per second, inserted in random order so ids do not follow time.
         */
        private void insertRows() {
            caller = "audit-reader-" + UUID.randomUUID();
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(16));
            String[] actions = {"grant", "reset", "deactivate", "rebuild", "redrive"};
            for (int i : order) {
                jdbc.update(
                        "INSERT INTO admin_audit (at, caller, role, action, user_id, entitlement_key, reason, "
                                + "request_id, status) VALUES (?, ?, 'ADMIN', ?, 'u', 'K', ?, ?, 200)",
                        OffsetDateTime.ofInstant(T0.plusSeconds(i / 3), ZoneOffset.UTC),
                        caller,
                        actions[i % actions.length],
                        "row " + i,
                        "paging-" + i);
            }
            inserted = jdbc.query(
                    "SELECT id, at, action FROM admin_audit WHERE caller = ?",
                    (r, n) -> new AuditEntry(
                            r.getLong("id"),
                            r.getObject("at", OffsetDateTime.class).toInstant(),
                            caller,
                            "ADMIN",
                            r.getString("action"),
                            "u",
                            "K",
                            null,
                            null,
                            null,
                            200),
                    caller);
        }

        private ResponseEntity<JsonNode> get(String query) {
            return http.getForEntity(URI.create("/api/v1/admin/audit?" + query), JsonNode.class);
        }

        private List<JsonNode> all(String query, int limit) {
            List<JsonNode> entries = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                JsonNode page = get(query + "&limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor))
                        .getBody();
                page.get("entries").forEach(entries::add);
                cursor = page.get("nextCursor").isNull()
                        ? null
                        : page.get("nextCursor").asText();
                assertThat(++pages).isLessThan(1000);
            } while (cursor != null);
            return entries;
        }

        private static List<Long> ids(List<JsonNode> entries) {
            return entries.stream().map(e -> e.get("id").asLong()).toList();
        }

        private List<Long> expected(java.util.function.Predicate<AuditEntry> filter) {
            return inserted.stream()
                    .filter(filter)
                    .sorted(Comparator.comparing(AuditEntry::at)
                            .thenComparing(AuditEntry::id)
                            .reversed())
                    .map(AuditEntry::id)
                    .toList();
        }

        @Test
        void pages_follow_each_other_newest_first_without_duplicates_or_gaps() {
            insertRows();
            String byCaller = "caller=" + caller;
            List<JsonNode> entries = all(byCaller, 7);
            List<Long> ids = ids(entries);
            assertThat(new HashSet<>(ids)).hasSize(ids.size());
            assertThat(ids).isEqualTo(expected(e -> true));
            JsonNode first = entries.get(0);
            assertThat(first.get("at").asText())
                    .isEqualTo(T0.plusSeconds(249 / 3).toString());
            assertThat(first.get("caller").asText()).isEqualTo(caller);
            assertThat(first.get("role").asText()).isEqualTo("ADMIN");
            assertThat(first.get("userId").asText()).isEqualTo("u");
            assertThat(first.get("entitlementKey").asText()).isEqualTo("K");
            assertThat(first.get("reason").asText()).startsWith("row ");
            assertThat(first.get("requestId").asText()).startsWith("paging-");
            assertThat(first.get("status").asInt()).isEqualTo(200);
            assertThat(first.has("target")).isTrue();

            JsonNode firstPage = get(byCaller).getBody();
            assertThat(firstPage.get("entries")).hasSize(100);
            assertThat(firstPage.get("nextCursor").isNull()).isFalse();
            assertThat(get(byCaller + "&limit=1000").getBody().get("nextCursor").isNull())
                    .isTrue();
        }

        @Test
        void action_and_time_filters_narrow_the_pages() {
            insertRows();
            String byCaller = "caller=" + caller;
            assertThat(ids(all(byCaller + "&action=reset", 9)))
                    .isEqualTo(expected(e -> e.action().equals("reset")));
            Instant from = T0.plusSeconds(10);
            Instant to = T0.plusSeconds(20);
            assertThat(ids(all(byCaller + "&from=" + from + "&to=" + to, 4)))
                    .hasSize(30)
                    .isEqualTo(expected(e -> !e.at().isBefore(from) && e.at().isBefore(to)));
            assertThat(ids(all(byCaller + "&action=rebuild&from=" + from, 5)))
                    .isEqualTo(expected(e -> e.action().equals("rebuild") && !e.at().isBefore(from)));
            assertThat(get("caller=audit-nobody-at-all").getBody().get("entries"))
                    .isEmpty();
        }

        @Test
        void without_filters_the_newest_entries_come_first() {
            String id = requestId();
            grant("audit-user-9", "AUDITED");
            asAdmin(HttpMethod.POST, ENTITLEMENTS + "/audit-user-9/AUDITED/activate", null, id);
            rowOf(id);
            JsonNode entries = get("limit=50").getBody().get("entries");
            List<Instant> times = new ArrayList<>();
            entries.forEach(e -> times.add(Instant.parse(e.get("at").asText())));
            assertThat(times).isSortedAccordingTo(Comparator.reverseOrder());
            Set<String> requestIds = new HashSet<>();
            entries.forEach(e -> requestIds.add(e.get("requestId").asText()));
            assertThat(requestIds).contains(id);
        }

        @Test
        void bad_parameters_are_400_problems_with_specific_codes() {
            assertProblem(get("from=yesterday"), HttpStatus.BAD_REQUEST, "INVALID_TIME");
            assertProblem(get("to=2025-13-01T00:00:00Z"), HttpStatus.BAD_REQUEST, "INVALID_TIME");
            assertProblem(
                    get("from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z"), HttpStatus.BAD_REQUEST, "INVALID_RANGE");
            assertProblem(get("limit=0"), HttpStatus.BAD_REQUEST, "INVALID_LIMIT");
            assertProblem(get("limit=1001"), HttpStatus.BAD_REQUEST, "INVALID_LIMIT");
            assertProblem(get("limit=ten"), HttpStatus.BAD_REQUEST, "INVALID_LIMIT");
            assertProblem(get("action=delete-everything"), HttpStatus.BAD_REQUEST, "UNKNOWN_ACTION");
            assertProblem(get("caller=a%00b"), HttpStatus.BAD_REQUEST, "INVALID_CALLER");
            assertProblem(get("caller=" + "c".repeat(257)), HttpStatus.BAD_REQUEST, "INVALID_CALLER");
            assertProblem(get("cursor=garbage"), HttpStatus.BAD_REQUEST, "INVALID_CURSOR");

            String cursor = new AuditCursor(T0, 42).encode();
            assertThat(get("cursor=" + cursor).getStatusCode()).isEqualTo(HttpStatus.OK);
            String otherPosition = new AuditCursor(T0, 43).encode();
            String tampered =
                    otherPosition.substring(0, otherPosition.indexOf('.')) + cursor.substring(cursor.indexOf('.'));
            assertProblem(get("cursor=" + tampered), HttpStatus.BAD_REQUEST, "INVALID_CURSOR");
        }

        @Test
        void a_reader_may_not_read_the_trail() {
            HttpHeaders headers = new HttpHeaders();
            headers.setBearerAuth(AdminClient.READER_TOKEN);
            assertProblem(
                    http.exchange("/api/v1/admin/audit", HttpMethod.GET, new HttpEntity<>(headers), JsonNode.class),
                    HttpStatus.FORBIDDEN,
                    "FORBIDDEN");
        }
    }
}
