package dev.ledger.startup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Refuses to start without the settings no deployment can do without: the database, the usage queue and its DLQ, the
 * entitlements table, and a way to authenticate callers. None of them has a default, so a deployment never runs
 * against a guessed queue or table, an emulator endpoint or the development tokens (adr/0016).
 *
 * <p>It checks the prepared environment (every property source and profile is known), before the application context
 * exists: nothing has started and no port is open. It runs after logging is set up, so the failure report is printed.
 * Registered in {@code META-INF/spring.factories}, so the command-line jobs are checked the same way.
 */
public class RequiredSettings implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

    /** One setting a deployment must provide, with the names it can be given by. */
    public record Setting(String what, String property, String variable) {

        @Override
        public String toString() {
            return what + ": " + property + " (" + variable + ")";
        }
    }

    static final Setting DATASOURCE =
            new Setting("the Postgres database", "spring.datasource.url", "SPRING_DATASOURCE_URL");
    static final Setting QUEUE =
            new Setting("the usage queue, URL or name", "ledger.sqs.queue", "USAGE_EVENT_QUEUE_URL");
    static final Setting DEAD_LETTER_QUEUE = new Setting(
            "its dead-letter queue, URL or name", "ledger.sqs.dead-letter-queue", "LEDGER_SQS_DEAD_LETTER_QUEUE");
    static final Setting TABLE =
            new Setting("the DynamoDB entitlements table", "ledger.dynamodb.table", "LEDGER_DYNAMODB_TABLE");
    static final Setting AUTHENTICATION = new Setting(
            "API tokens or JWT",
            "ledger.security.tokens[n].name/role/sha256, ledger.security.tokens-json or ledger.security.jwt.issuer-uri",
            "LEDGER_SECURITY_TOKENS_0_NAME/_ROLE/_SHA256, LEDGER_SECURITY_TOKENS_JSON or LEDGER_SECURITY_JWT_ISSUER_URI");

    static final Setting DATABASE_USER = new Setting(
            "the database user that signs in with IAM " + "(ledger.database.authentication=iam)",
            "spring.datasource.username",
            "SPRING_DATASOURCE_USERNAME");

    /** After {@link LoggingApplicationListener}, so the report of the failure reaches the log. */
    @Override
    public int getOrder() {
        return LoggingApplicationListener.DEFAULT_ORDER + 1;
    }

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        List<Setting> missing = missing(event.getEnvironment());
        if (!missing.isEmpty()) {
            throw new MissingSettingsException(missing);
        }
    }

    static List<Setting> missing(ConfigurableEnvironment environment) {
        Binder binder = Binder.get(environment);
        List<Setting> missing = new ArrayList<>();
        for (Setting setting : List.of(DATASOURCE, QUEUE, DEAD_LETTER_QUEUE, TABLE)) {
            if (blank(binder.bind(setting.property(), String.class).orElse(null))) {
                missing.add(setting);
            }
        }
        if ("iam"
                        .equalsIgnoreCase(binder.bind("ledger.database.authentication", String.class)
                                .orElse(""))
                && blank(binder.bind("spring.datasource.username", String.class).orElse(null))) {
            missing.add(DATABASE_USER);
        }
        boolean tokens = !binder.bind("ledger.security.tokens", Bindable.listOf(Map.class))
                        .orElse(List.of())
                        .isEmpty()
                || !blank(
                        binder.bind("ledger.security.tokens-json", String.class).orElse(null));
        // Boot's own keys count too: ledger.security.jwt.issuer-uri is mapped onto the first (application.properties)
        boolean jwt = java.util.stream.Stream.of(
                        "ledger.security.jwt.issuer-uri",
                        "spring.security.oauth2.resourceserver.jwt.issuer-uri",
                        "spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
                        "spring.security.oauth2.resourceserver.jwt.public-key-location")
                .anyMatch(key -> !blank(binder.bind(key, String.class).orElse(null)));
        if (!tokens && !jwt) {
            missing.add(AUTHENTICATION);
        }
        return missing;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
