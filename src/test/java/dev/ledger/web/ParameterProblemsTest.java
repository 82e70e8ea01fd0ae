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
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * Parameters that Spring binds and validates answer with the codes the API has always used: a value outside its
 * constraints is {@code INVALID_<NAME>}, a lone parameter of the wrong type {@code INVALID_PARAMETER} unless its
 * converter names a code ({@code INVALID_TIME}), and a missing one {@code MISSING_PARAMETER}.
 */
@IntegrationTest
class ParameterProblemsTest {

    @Autowired
    TestRestTemplate http;

    private ResponseEntity<JsonNode> send(HttpMethod method, String path, String json) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return http.exchange(path, method, new HttpEntity<>(json, headers), JsonNode.class);
    }

    private void assertBadRequest(HttpMethod method, String path, String json, String code) {
        ResponseEntity<JsonNode> response = send(method, path, json);
        assertThat(response.getStatusCode().value()).as(path).isEqualTo(400);
        assertThat(response.getHeaders().getContentType()).hasToString("application/problem+json");
        assertThat(response.getBody().get("code").asText()).as(path).isEqualTo(code);
        assertThat(response.getBody().get("title").asText()).isEqualTo("Bad Request");
        assertThat(response.getBody().get("detail").asText()).as(path).isNotBlank();
    }

    @Test
    void admin_limits_outside_their_range_are_INVALID_LIMIT_and_not_numbers_INVALID_PARAMETER() {
        assertBadRequest(HttpMethod.GET, "/api/v1/admin/dead-letters?limit=0", null, "INVALID_LIMIT");
        assertBadRequest(HttpMethod.GET, "/api/v1/admin/dead-letters?limit=1001", null, "INVALID_LIMIT");
        assertBadRequest(HttpMethod.GET, "/api/v1/admin/dead-letters?limit=ten", null, "INVALID_PARAMETER");
        assertBadRequest(HttpMethod.POST, "/api/v1/admin/dead-letters/redrive?limit=0", null, "INVALID_LIMIT");
        assertBadRequest(HttpMethod.GET, "/api/v1/admin/projections/dynamodb/drift?limit=10001", null, "INVALID_LIMIT");
        assertThat(send(HttpMethod.GET, "/api/v1/admin/dead-letters?limit=1000", null)
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
    }

    @Test
    void a_redrive_naming_no_message_or_a_blank_one_is_INVALID_MESSAGE_IDS() {
        String path = "/api/v1/admin/dead-letters/redrive";
        assertBadRequest(HttpMethod.POST, path, "{\"messageIds\":[]}", "INVALID_MESSAGE_IDS");
        assertBadRequest(HttpMethod.POST, path, "{\"messageIds\":[\"m-1\",\" \"]}", "INVALID_MESSAGE_IDS");
        assertBadRequest(HttpMethod.POST, path, "{\"messageIds\":[null]}", "INVALID_MESSAGE_IDS");
        assertThat(send(HttpMethod.POST, path, "{\"messageIds\":[\"m-1\"]}")
                        .getBody()
                        .get("notFound"))
                .hasSize(1);
    }

    @Test
    void projections_are_named_by_their_public_name_and_drift_is_for_dynamodb_only() {
        assertBadRequest(HttpMethod.GET, "/api/v1/admin/projections/nosuch/drift", null, "UNKNOWN_PROJECTION");
        assertBadRequest(HttpMethod.GET, "/api/v1/admin/projections/DYNAMODB/drift", null, "UNKNOWN_PROJECTION");
        assertBadRequest(HttpMethod.POST, "/api/v1/admin/projections/DYNAMODB/rebuild", null, "UNKNOWN_PROJECTION");
        assertBadRequest(HttpMethod.GET, "/api/v1/admin/projections/history/drift", null, "DRIFT_NOT_SUPPORTED");
        assertThat(send(HttpMethod.GET, "/api/v1/admin/projections/dynamodb/drift?limit=1", null)
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
    }

    @Test
    void times_outside_the_ledgers_range_are_INVALID_TIME_and_a_blank_one_is_absent() {
        assertBadRequest(
                HttpMethod.GET,
                "/api/v1/usage/export?from=2025-01-01T00:00:00Z&to=0000-12-31T23:59:59Z",
                null,
                "INVALID_TIME");
        assertBadRequest(HttpMethod.GET, "/api/v1/users/u/history?to=2025-01-01", null, "INVALID_TIME");
        assertBadRequest(
                HttpMethod.GET, "/api/v1/usage/export?from= &to=2025-01-01T00:00:00Z", null, "MISSING_PARAMETER");
        assertThat(send(HttpMethod.GET, "/api/v1/users/u/history?from= &limit=1000", null)
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
    }
}
