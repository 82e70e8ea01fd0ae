package dev.ledger.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.support.AdminClient;
import dev.ledger.support.IntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;

@IntegrationTest
class CallerEndpointTest {

    @Autowired
    TestRestTemplate http;

    @LocalServerPort
    int port;

    @Test
    void an_admin_token_is_named_and_holds_reader_and_admin() {
        JsonNode me = me(AdminClient.ADMIN_TOKEN).getBody();

        assertThat(me.get("name").asText()).isEqualTo("dev-admin");
        assertThat(me.get("roles")).extracting(JsonNode::asText).containsExactly("READER", "ADMIN");
    }

    @Test
    void a_reader_token_holds_reader_only() {
        JsonNode me = me(AdminClient.READER_TOKEN).getBody();

        assertThat(me.get("name").asText()).isEqualTo("dev-reader");
        assertThat(me.get("roles")).extracting(JsonNode::asText).containsExactly("READER");
    }

    @Test
    void without_a_token_the_caller_is_unauthorized() throws Exception {
        HttpResponse<String> me = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/me"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(me.statusCode()).isEqualTo(401);
        assertThat(me.body()).contains("\"code\":\"UNAUTHORIZED\"");
    }

    private ResponseEntity<JsonNode> me(String token) {
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(token);
        return http.exchange("/api/v1/me", HttpMethod.GET, new HttpEntity<>(headers), JsonNode.class);
    }
}
