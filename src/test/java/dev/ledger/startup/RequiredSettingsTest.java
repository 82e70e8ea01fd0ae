package dev.ledger.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.DefaultBootstrapContext;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class RequiredSettingsTest {

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }

    private static final Map<String, Object> COMPLETE = Map.of(
            "spring.datasource.url",
            "jdbc:postgresql://db:5432/ledger",
            "ledger.sqs.queue",
            "q",
            "ledger.sqs.dead-letter-queue",
            "dlq",
            "ledger.dynamodb.table",
            "t",
            "ledger.security.tokens-json",
            "[]x");

    @Test
    void iam_database_authentication_needs_the_database_user_and_no_password() {
        Map<String, Object> iam = new java.util.HashMap<>(COMPLETE);
        iam.put("ledger.database.authentication", "iam");

        assertThat(RequiredSettings.missing(environment(iam))).containsExactly(RequiredSettings.DATABASE_USER);

        iam.put("spring.datasource.username", "ledger_app");
        assertThat(RequiredSettings.missing(environment(iam))).isEmpty();
        assertThat(RequiredSettings.missing(environment(COMPLETE)))
                .as("password authentication: user optional")
                .isEmpty();
    }

    @Test
    void api_authentication_is_tokens_or_a_jwt_issuer_or_keys_under_either_name() {
        Map<String, Object> none = new java.util.HashMap<>(COMPLETE);
        none.remove("ledger.security.tokens-json");
        assertThat(RequiredSettings.missing(environment(none))).containsExactly(RequiredSettings.AUTHENTICATION);

        for (String key : java.util.List.of(
                "ledger.security.jwt.issuer-uri",
                "spring.security.oauth2.resourceserver.jwt.issuer-uri",
                "spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
                "spring.security.oauth2.resourceserver.jwt.public-key-location")) {
            Map<String, Object> jwt = new java.util.HashMap<>(none);
            jwt.put(key, "https://issuer.example/keys");
            assertThat(RequiredSettings.missing(environment(jwt))).as(key).isEmpty();
        }
    }

    /**
     * The listener stops a start before any bean exists, naming what is missing in words and as properties and
     * environment variables; that it runs in the real jar is ProductionJarIT's
     * {@code without_configuration_it_stops_within_15_seconds_naming_every_missing_setting}.
     */
    @Test
    void a_deployment_without_any_api_authentication_is_refused_naming_the_setting() {
        Map<String, Object> none = new java.util.HashMap<>(COMPLETE);
        none.remove("ledger.security.tokens-json");
        ApplicationEnvironmentPreparedEvent event = new ApplicationEnvironmentPreparedEvent(
                new DefaultBootstrapContext(), new SpringApplication(), new String[0], environment(none));

        assertThatThrownBy(() -> new RequiredSettings().onApplicationEvent(event))
                .isInstanceOf(MissingSettingsException.class)
                .hasMessageContaining("refusing to start: 1 required setting is missing")
                .hasMessageContaining("API tokens or JWT")
                .hasMessageContaining("LEDGER_SECURITY_TOKENS_JSON");
    }
}
