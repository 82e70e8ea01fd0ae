package dev.ledger.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

@IntegrationTest
class EntitlementApiTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    private ResponseEntity<JsonNode> send(HttpMethod method, String path, String json) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return http.exchange(path, method, new HttpEntity<>(json, headers), JsonNode.class);
    }

    private static void assertProblem(ResponseEntity<JsonNode> response, HttpStatus status, String code) {
        assertThat(response.getStatusCode()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).hasToString("application/problem+json");
        assertThat(response.getBody().get("code").asText()).isEqualTo(code);
        assertThat(response.getBody().get("status").asInt()).isEqualTo(status.value());
        assertThat(response.getBody().get("detail").asText()).isNotBlank();
    }

    @Test
    void grant_answers_201_with_the_state_and_a_second_grant_answers_409() {
        ResponseEntity<JsonNode> created = send(HttpMethod.POST, "/api/v1/entitlements", """
                {"userId":"api-user-1","entitlementKey":"AI_TUTOR_ACCESS","active":true,
                 "usage":{"limit":100,"period":"MONTHLY","anchor":"2025-01-31T15:00:00Z","overLimit":"REJECT"}}""");
        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        JsonNode state = created.getBody();
        assertThat(state.get("userId").asText()).isEqualTo("api-user-1");
        assertThat(state.get("entitlementKey").asText()).isEqualTo("AI_TUTOR_ACCESS");
        assertThat(state.get("active").asBoolean()).isTrue();
        assertThat(state.at("/usage/limit").asLong()).isEqualTo(100);
        assertThat(state.at("/usage/period").asText()).isEqualTo("MONTHLY");
        assertThat(state.at("/usage/anchor").asText()).isEqualTo("2025-01-31T15:00:00Z");
        assertThat(state.at("/usage/overLimit").asText()).isEqualTo("REJECT");
        assertThat(state.at("/usage/used").asLong()).isZero();
        assertThat(state.at("/usage/periodStart").asText()).endsWith("T15:00:00Z");
        assertThat(state.get("version").asLong()).isZero();

        assertProblem(
                send(
                        HttpMethod.POST,
                        "/api/v1/entitlements",
                        "{\"userId\":\"api-user-1\",\"entitlementKey\":\"AI_TUTOR_ACCESS\"}"),
                HttpStatus.CONFLICT,
                "ENTITLEMENT_EXISTS");

        // the audit trail: the caller is stored with the event
        String metaData = jdbc.queryForObject(
                "SELECT convert_from(meta_data, 'UTF8') FROM domain_event_entry "
                        + "WHERE aggregate_identifier = 'api-user-1#AI_TUTOR_ACCESS' AND sequence_number = 0",
                String.class);
        assertThat(metaData).contains("\"caller\":\"dev-admin\"").contains("\"action\":\"grant\"");
    }

    @Test
    void grant_without_usage_has_no_usage_tracking_and_is_listed_for_the_user() {
        send(
                HttpMethod.POST,
                "/api/v1/entitlements",
                "{\"userId\":\"api-user-2\",\"entitlementKey\":\"ACCESS_DASHBOARD\"}");
        send(HttpMethod.POST, "/api/v1/entitlements", """
                {"userId":"api-user-2","entitlementKey":"AI_TUTOR_ACCESS","usage":{"limit":5,"period":"DAILY"}}""");
        ResponseEntity<JsonNode> list = http.getForEntity("/api/v1/users/api-user-2/entitlements", JsonNode.class);
        assertThat(list.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(list.getBody()).hasSize(2);
        assertThat(list.getBody().get(0).get("entitlementKey").asText()).isEqualTo("ACCESS_DASHBOARD");
        assertThat(list.getBody().get(0).get("usage").isNull()).isTrue();
        assertThat(list.getBody().get(1).at("/usage/overLimit").asText()).isEqualTo("REJECT");
    }

    @Test
    void policy_change_deactivate_activate_and_reset_answer_200_with_the_new_state() {
        send(HttpMethod.POST, "/api/v1/entitlements", """
                {"userId":"api-user-3","entitlementKey":"AI_TUTOR_ACCESS","usage":{"limit":5,"period":"DAILY"}}""");
        String base = "/api/v1/entitlements/api-user-3/AI_TUTOR_ACCESS";

        ResponseEntity<JsonNode> changed = send(
                HttpMethod.PUT,
                base + "/usage",
                "{\"limit\":50,\"period\":\"DAILY\",\"overLimit\":\"RECORD_OVERAGE\"}");
        assertThat(changed.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(changed.getBody().at("/usage/limit").asLong()).isEqualTo(50);
        assertThat(changed.getBody().at("/usage/overLimit").asText()).isEqualTo("RECORD_OVERAGE");
        assertThat(changed.getBody().get("version").asLong()).isEqualTo(1);

        ResponseEntity<JsonNode> deactivated = send(HttpMethod.POST, base + "/deactivate", null);
        assertThat(deactivated.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(deactivated.getBody().get("active").asBoolean()).isFalse();

        ResponseEntity<JsonNode> activated = send(HttpMethod.POST, base + "/activate", null);
        assertThat(activated.getBody().get("active").asBoolean()).isTrue();
        assertThat(activated.getBody().get("version").asLong()).isEqualTo(3);

        ResponseEntity<JsonNode> reset =
                send(HttpMethod.POST, base + "/reset", "{\"reason\":\"support ticket 17: counted twice\"}");
        assertThat(reset.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(reset.getBody().at("/usage/used").asLong()).isZero();
        assertThat(reset.getBody().get("version").asLong()).isEqualTo(4);

        ResponseEntity<JsonNode> untracked = send(HttpMethod.PUT, base + "/usage", "null");
        assertThat(untracked.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(untracked.getBody().get("usage").isNull()).isTrue();
        assertProblem(
                send(HttpMethod.POST, base + "/reset", "{\"reason\":\"no usage tracking\"}"),
                HttpStatus.CONFLICT,
                "NO_USAGE_TRACKING");
    }

    @Test
    void unknown_entitlements_answer_404_with_ENTITLEMENT_NOT_FOUND() {
        assertProblem(
                http.getForEntity("/api/v1/entitlements/nobody/AI_TUTOR_ACCESS", JsonNode.class),
                HttpStatus.NOT_FOUND,
                "ENTITLEMENT_NOT_FOUND");
        assertProblem(
                send(HttpMethod.POST, "/api/v1/entitlements/nobody/AI_TUTOR_ACCESS/deactivate", null),
                HttpStatus.NOT_FOUND,
                "ENTITLEMENT_NOT_FOUND");
        assertProblem(
                send(
                        HttpMethod.PUT,
                        "/api/v1/entitlements/nobody/AI_TUTOR_ACCESS/usage",
                        "{\"limit\":1,\"period\":\"DAILY\"}"),
                HttpStatus.NOT_FOUND,
                "ENTITLEMENT_NOT_FOUND");
    }

    @Test
    void invalid_input_answers_400_with_a_specific_code_and_changes_nothing() {
        String path = "/api/v1/entitlements";
        assertProblem(
                send(HttpMethod.POST, path, "{\"userId\":\"u\",\"entitlementKey\":\"lower\"}"),
                HttpStatus.BAD_REQUEST,
                "INVALID_ENTITLEMENT_KEY");
        assertProblem(
                send(HttpMethod.POST, path, "{\"entitlementKey\":\"K\"}"), HttpStatus.BAD_REQUEST, "INVALID_USER_ID");
        assertProblem(
                send(HttpMethod.POST, path, "{\"userId\":\"a\\u0007b\",\"entitlementKey\":\"K\"}"),
                HttpStatus.BAD_REQUEST,
                "INVALID_USER_ID");
        assertProblem(
                send(HttpMethod.POST, path, "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"extra\":1}"),
                HttpStatus.BAD_REQUEST,
                "UNKNOWN_FIELD");
        assertProblem(
                send(HttpMethod.POST, path, "{\"userId\":\"u\",\"entitlementKey\":"),
                HttpStatus.BAD_REQUEST,
                "MALFORMED_JSON");
        assertProblem(send(HttpMethod.POST, path, ""), HttpStatus.BAD_REQUEST, "MALFORMED_JSON");
        assertProblem(
                send(
                        HttpMethod.POST,
                        path,
                        "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"usage\":{\"limit\":-1,\"period\":\"DAILY\"}}"),
                HttpStatus.BAD_REQUEST,
                "INVALID_LIMIT");
        assertProblem(
                send(
                        HttpMethod.POST,
                        path,
                        "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"usage\":{\"limit\":2.5,\"period\":\"DAILY\"}}"),
                HttpStatus.BAD_REQUEST,
                "INVALID_FIELD_TYPE");
        assertProblem(
                send(
                        HttpMethod.POST,
                        path,
                        "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"usage\":{\"limit\":\"3\",\"period\":\"DAILY\"}}"),
                HttpStatus.BAD_REQUEST,
                "INVALID_FIELD_TYPE");
        assertProblem(
                send(
                        HttpMethod.POST,
                        path,
                        "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"usage\":{\"limit\":3,\"period\":\"HOURLY\"}}"),
                HttpStatus.BAD_REQUEST,
                "INVALID_PERIOD");
        assertProblem(
                send(
                        HttpMethod.POST,
                        path,
                        "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"usage\":{\"limit\":3,\"period\":\"DAILY\",\"anchor\":\"yesterday\"}}"),
                HttpStatus.BAD_REQUEST,
                "INVALID_ANCHOR");
        assertProblem(
                send(
                        HttpMethod.POST,
                        path,
                        "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"usage\":{\"limit\":3,\"period\":\"DAILY\",\"overLimit\":\"MAYBE\"}}"),
                HttpStatus.BAD_REQUEST,
                "INVALID_OVER_LIMIT");
        assertProblem(
                send(
                        HttpMethod.POST,
                        path,
                        "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"usage\":{\"period\":\"DAILY\"}}"),
                HttpStatus.BAD_REQUEST,
                "INVALID_LIMIT");
        assertProblem(
                http.getForEntity("/api/v1/entitlements/u/K", JsonNode.class),
                HttpStatus.NOT_FOUND,
                "ENTITLEMENT_NOT_FOUND");
    }

    @Test
    void wrong_methods_and_unknown_paths_answer_problem_details_with_a_code() {
        assertProblem(
                send(HttpMethod.DELETE, "/api/v1/entitlements/u/K", null),
                HttpStatus.METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED");
        assertProblem(http.getForEntity("/api/v1/nothing-here", JsonNode.class), HttpStatus.NOT_FOUND, "NOT_FOUND");
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.TEXT_PLAIN);
        assertProblem(
                http.exchange("/api/v1/entitlements", HttpMethod.POST, new HttpEntity<>("x", headers), JsonNode.class),
                HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE");
    }
}
