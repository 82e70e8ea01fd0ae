package dev.ledger.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** The 401 / 403 / allowed matrix for every endpoint and role; every refusal is a problem detail with a code. */
@IntegrationTest
class AccessMatrixTest {

    @Autowired
    TestRestTemplate http;

    enum Access {
        READER,
        ADMIN
    }

    /** Each endpoint with the role it needs and the exact status that role gets here (the state the calls build up). */
    static Stream<Arguments> endpoints() {
        return Stream.of(
                Arguments.of(
                        HttpMethod.GET, "/api/v1/entitlements/matrix-user/AI_TUTOR_ACCESS", null, Access.READER, 404),
                Arguments.of(HttpMethod.GET, "/api/v1/users/matrix-user/entitlements", null, Access.READER, 200),
                Arguments.of(
                        HttpMethod.GET,
                        "/api/v1/entitlements/matrix-user/AI_TUTOR_ACCESS/history",
                        null,
                        Access.READER,
                        200),
                Arguments.of(HttpMethod.GET, "/api/v1/users/matrix-user/history", null, Access.READER, 200),
                Arguments.of(
                        HttpMethod.GET,
                        "/api/v1/usage/export?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z",
                        null,
                        Access.READER,
                        200),
                Arguments.of(
                        HttpMethod.POST,
                        "/api/v1/entitlements",
                        "{\"userId\":\"matrix-user\",\"entitlementKey\":\"MATRIX\"}",
                        Access.ADMIN,
                        201),
                Arguments.of(
                        HttpMethod.PUT,
                        "/api/v1/entitlements/matrix-user/MATRIX/usage",
                        "{\"limit\":5,\"period\":\"DAILY\"}",
                        Access.ADMIN,
                        200),
                Arguments.of(
                        HttpMethod.POST, "/api/v1/entitlements/matrix-user/MATRIX/deactivate", null, Access.ADMIN, 200),
                Arguments.of(
                        HttpMethod.POST, "/api/v1/entitlements/matrix-user/MATRIX/activate", null, Access.ADMIN, 200),
                Arguments.of(
                        HttpMethod.POST,
                        "/api/v1/entitlements/matrix-user/MATRIX/reset",
                        "{\"reason\":\"access matrix\"}",
                        Access.ADMIN,
                        200),
                Arguments.of(
                        HttpMethod.POST,
                        "/api/v1/entitlements/matrix-user/MATRIX/reversals",
                        "{\"dedupKey\":\"none\",\"reason\":\"matrix\"}",
                        Access.ADMIN,
                        404),
                Arguments.of(HttpMethod.GET, "/api/v1/usage/records/matrix-none", null, Access.READER, 404),
                Arguments.of(HttpMethod.GET, "/api/v1/me", null, Access.READER, 200),
                Arguments.of(
                        HttpMethod.GET, "/api/v1/entitlements/matrix-user/MATRIX/explain", null, Access.READER, 200),
                Arguments.of(HttpMethod.GET, "/api/v1/admin/projections", null, Access.ADMIN, 200),
                Arguments.of(HttpMethod.GET, "/api/v1/admin/audit?limit=1", null, Access.ADMIN, 200),
                Arguments.of(HttpMethod.GET, "/api/v1/admin/projections/dynamodb/drift", null, Access.ADMIN, 200),
                Arguments.of(HttpMethod.POST, "/api/v1/admin/projections/nosuch/rebuild", null, Access.ADMIN, 400),
                Arguments.of(HttpMethod.GET, "/api/v1/admin/dead-letters", null, Access.ADMIN, 200),
                Arguments.of(
                        HttpMethod.POST,
                        "/api/v1/admin/dead-letters/redrive",
                        "{\"messageIds\":[\"none\"]}",
                        Access.ADMIN,
                        200),
                Arguments.of(
                        HttpMethod.POST, "/api/v1/admin/imports", "{\"table\":\"no-such-table\"}", Access.ADMIN, 404),
                Arguments.of(
                        HttpMethod.GET,
                        "/api/v1/admin/imports/7d0c8f3e-0000-4000-8000-000000000000",
                        null,
                        Access.ADMIN,
                        404),
                Arguments.of(HttpMethod.GET, "/actuator/prometheus", null, Access.ADMIN, 200),
                Arguments.of(HttpMethod.GET, "/actuator/metrics", null, Access.ADMIN, 200));
    }

    private ResponseEntity<String> call(HttpMethod method, String path, String body, String token) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set(HttpHeaders.AUTHORIZATION, token == null ? "" : "Bearer " + token);
        return http.exchange(path, method, new HttpEntity<>(body, headers), String.class);
    }

    private static void assertProblem(ResponseEntity<String> response, int status, String code) throws Exception {
        assertThat(response.getStatusCode().value()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).hasToString("application/problem+json");
        JsonNode problem = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.getBody());
        assertThat(problem.get("code").asText()).isEqualTo(code);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asText())
                .isEqualTo(org.springframework.http.HttpStatus.valueOf(status).getReasonPhrase());
        assertThat(problem.get("detail").asText()).isNotBlank();
        assertThat(problem.fieldNames())
                .toIterable()
                .containsExactlyInAnyOrder("type", "title", "status", "detail", "code");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("endpoints")
    void each_endpoint_answers_401_without_or_with_a_bad_token_403_to_a_lesser_role_and_serves_the_right_role(
            HttpMethod method, String path, String body, Access needed, int allowed) throws Exception {
        assertProblem(call(method, path, body, null), 401, "UNAUTHORIZED");
        assertProblem(call(method, path, body, "not-a-token"), 401, "UNAUTHORIZED");
        ResponseEntity<String> asReader = call(method, path, body, AdminClient.READER_TOKEN);
        if (needed == Access.ADMIN) {
            assertProblem(asReader, 403, "FORBIDDEN");
        } else {
            assertThat(asReader.getStatusCode().value())
                    .as("READER: %s", asReader.getBody())
                    .isEqualTo(allowed);
        }
        ResponseEntity<String> asAdmin = call(method, path, body, AdminClient.ADMIN_TOKEN);
        assertThat(asAdmin.getStatusCode().value())
                .as("ADMIN: %s", asAdmin.getBody())
                .isEqualTo(allowed);
    }

    @Test
    void health_and_the_api_documentation_are_open() {
        assertThat(http.exchange("/actuator/health", HttpMethod.GET, new HttpEntity<>(new HttpHeaders()), String.class)
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
        ResponseEntity<JsonNode> docs =
                http.exchange("/v3/api-docs", HttpMethod.GET, new HttpEntity<>(new HttpHeaders()), JsonNode.class);
        assertThat(docs.getStatusCode().value()).isEqualTo(200);
        JsonNode spec = docs.getBody();
        assertThat(spec.at("/components/securitySchemes/bearer/scheme").asText())
                .isEqualTo("bearer");
        for (String path : List.of(
                "/api/v1/entitlements",
                "/api/v1/entitlements/{userId}/{entitlementKey}",
                "/api/v1/users/{userId}/entitlements",
                "/api/v1/entitlements/{userId}/{entitlementKey}/history",
                "/api/v1/users/{userId}/history",
                "/api/v1/usage/export",
                "/api/v1/admin/projections",
                "/api/v1/admin/projections/{projection}/rebuild",
                "/api/v1/admin/projections/{projection}/drift",
                "/api/v1/admin/dead-letters",
                "/api/v1/admin/dead-letters/redrive",
                "/api/v1/admin/imports",
                "/api/v1/admin/imports/{id}",
                "/api/v1/admin/audit")) {
            JsonNode operations = spec.get("paths").get(path);
            assertThat(operations).as(path).isNotNull();
            operations.forEach(operation ->
                    assertThat(operation.get("responses").has("401")).as(path).isTrue());
        }
        JsonNode startImport = spec.at("/paths/~1api~1v1~1admin~1imports/post/responses");
        assertThat(startImport.at("/202/description").asText()).isNotEmpty();
        assertThat(startImport.at("/404/description").asText()).contains("TABLE_NOT_FOUND");
        assertThat(startImport.at("/409/description").asText()).contains("IMPORT_RUNNING");
        assertThat(startImport.at("/400/description").asText()).contains("MISSING_TABLE");
        assertThat(spec.at("/paths/~1api~1v1~1admin~1imports~1{id}/get/responses/404/description")
                        .asText())
                .contains("IMPORT_NOT_FOUND");
    }

    @Test
    void a_malformed_authorization_header_is_a_401_problem() throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.AUTHORIZATION, "Basic dXNlcjpwYXNz");
        ResponseEntity<String> response =
                http.exchange("/api/v1/users/u/entitlements", HttpMethod.GET, new HttpEntity<>(headers), String.class);
        assertProblem(response, 401, "UNAUTHORIZED");
        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).isEqualTo("Bearer");
    }
}
