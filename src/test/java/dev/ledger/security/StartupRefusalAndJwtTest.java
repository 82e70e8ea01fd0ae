package dev.ledger.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

/**
 * A deployment's authentication, started the way it runs (no profile): the development tokens refuse a start, and
 * hashed tokens and JWTs of the configured issuer are accepted. The other refusals need no application start:
 * {@code UnsafeSecurityConfigurationTest} (an empty token list) and {@code RequiredSettingsTest} (no authentication at
 * all).
 */
class StartupRefusalAndJwtTest {

    /** What a deployed configuration looks like (no profile, every name given), pointed at the test servers. */
    private static String[] deployed(String... more) {
        List<String> properties = new ArrayList<>(List.of(
                "spring.cloud.aws.region.static=us-east-1",
                "spring.cloud.aws.credentials.access-key=test",
                "spring.cloud.aws.credentials.secret-key=test",
                "ledger.sqs.create-queues=true",
                "ledger.dynamodb.create-table=true",
                "ledger.environment=deployed",
                "ledger.sqs.queue=ledger-deployed-usage-event-queue",
                "ledger.sqs.dead-letter-queue=ledger-deployed-usage-event-dlq",
                "ledger.dynamodb.table=ledger-deployed-entitlements"));
        properties.addAll(List.of(more));
        return properties.toArray(String[]::new);
    }

    @Test
    void a_deployment_refuses_to_start_with_the_development_tokens_unless_they_are_explicitly_allowed() {
        TestDatabase.Database database = TestDatabase.newDatabase();
        assertThatThrownBy(() -> LedgerInstances.startDeployed(
                                database,
                                deployed(
                                        "ledger.security.tokens[0].name=dev",
                                        "ledger.security.tokens[0].role=ADMIN",
                                        "ledger.security.tokens[0].sha256="
                                                + TokenAuthentication.sha256("dev-admin-token")))
                        .close())
                .hasStackTraceContaining("refusing to start: the development tokens");
    }

    @Test
    void a_deployment_accepts_hashed_tokens_from_json_and_jwts_from_the_configured_issuer() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        // the issuer's signing keys, served as a JWK set the way Cognito serves them
        String keys = new JWKSet(new RSAKey.Builder((RSAPublicKey) pair.getPublic())
                        .keyID("issuer-key")
                        .build())
                .toString();
        HttpServer issuer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        issuer.createContext("/jwks.json", exchange -> {
            byte[] body = keys.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        issuer.start();
        String json = "[{\"name\":\"billing\",\"role\":\"READER\",\"sha256\":\""
                + TokenAuthentication.sha256("s3cret-billing-token") + "\"}]";
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (ConfigurableApplicationContext app = LedgerInstances.startDeployed(
                database,
                deployed(
                        "ledger.security.tokens-json=" + json,
                        "ledger.security.jwt.issuer-uri=https://issuer.example.test",
                        "spring.security.oauth2.resourceserver.jwt.jwk-set-uri=http://127.0.0.1:"
                                + issuer.getAddress().getPort() + "/jwks.json"))) {
            RestClient http = RestClient.create(LedgerInstances.baseUrl(app));
            assertThat(http.get()
                            .uri("/api/v1/users/u/entitlements")
                            .header("Authorization", "Bearer s3cret-billing-token")
                            .retrieve()
                            .toBodilessEntity()
                            .getStatusCode()
                            .value())
                    .isEqualTo(200);

            String reader = jwt(pair, "https://issuer.example.test", "READER");
            assertThat(http.get()
                            .uri("/api/v1/users/u/entitlements")
                            .header("Authorization", "Bearer " + reader)
                            .retrieve()
                            .toBodilessEntity()
                            .getStatusCode()
                            .value())
                    .isEqualTo(200);
            assertThatThrownBy(() -> http.get()
                            .uri("/api/v1/admin/projections")
                            .header("Authorization", "Bearer " + reader)
                            .retrieve()
                            .toBodilessEntity())
                    .isInstanceOfSatisfying(
                            HttpClientErrorException.class,
                            e -> assertThat(e.getStatusCode().value()).isEqualTo(403));

            String admin = jwt(pair, "https://issuer.example.test", "ADMIN");
            assertThat(http.get()
                            .uri("/api/v1/admin/projections")
                            .header("Authorization", "Bearer " + admin)
                            .retrieve()
                            .toBodilessEntity()
                            .getStatusCode()
                            .value())
                    .isEqualTo(200);

            String foreign = jwt(pair, "https://someone-else.test", "ADMIN");
            assertThatThrownBy(() -> http.get()
                            .uri("/api/v1/users/u/entitlements")
                            .header("Authorization", "Bearer " + foreign)
                            .retrieve()
                            .toBodilessEntity())
                    .isInstanceOfSatisfying(
                            HttpClientErrorException.class,
                            e -> assertThat(e.getStatusCode().value()).isEqualTo(401));
            String forged = jwt(generator.generateKeyPair(), "https://issuer.example.test", "ADMIN");
            assertThatThrownBy(() -> http.get()
                            .uri("/api/v1/users/u/entitlements")
                            .header("Authorization", "Bearer " + forged)
                            .retrieve()
                            .toBodilessEntity())
                    .isInstanceOfSatisfying(
                            HttpClientErrorException.class,
                            e -> assertThat(e.getStatusCode().value()).isEqualTo(401));
            assertThatThrownBy(() -> http.get()
                            .uri("/api/v1/users/u/entitlements")
                            .header("Authorization", "Bearer dev-admin-token")
                            .retrieve()
                            .toBodilessEntity())
                    .isInstanceOfSatisfying(
                            HttpClientErrorException.class,
                            e -> assertThat(e.getStatusCode().value()).isEqualTo(401));
        } finally {
            issuer.stop(0);
        }
    }

    private static String jwt(KeyPair pair, String issuer, String group) throws Exception {
        SignedJWT token = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("issuer-key").build(),
                new JWTClaimsSet.Builder()
                        .issuer(issuer)
                        .subject("alice@example.test")
                        .claim("cognito:groups", List.of(group))
                        .issueTime(new Date())
                        .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                        .build());
        token.sign(new RSASSASigner((RSAPrivateKey) pair.getPrivate()));
        return token.serialize();
    }
}
