package dev.ledger.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class RequiredSettingsTest {

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }

    private static final Map<String, Object> COMPLETE = Map.of(
            "spring.datasource.url", "jdbc:postgresql://db:5432/ledger",
            "ledger.sqs.queue", "q", "ledger.sqs.dead-letter-queue", "dlq", "ledger.dynamodb.table", "t",
            "ledger.security.tokens-json", "[]x");

    @Test
    void iam_database_authentication_needs_the_database_user_and_no_password() {
        Map<String, Object> iam = new java.util.HashMap<>(COMPLETE);
        iam.put("ledger.database.authentication", "iam");

        assertThat(RequiredSettings.missing(environment(iam))).containsExactly(RequiredSettings.DATABASE_USER);

        iam.put("spring.datasource.username", "ledger_app");
        assertThat(RequiredSettings.missing(environment(iam))).isEmpty();
        assertThat(RequiredSettings.missing(environment(COMPLETE))).as("password authentication: user optional")
                .isEmpty();
    }
}
