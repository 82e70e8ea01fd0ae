package dev.ledger.local;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Embedded Postgres starts only when local services are enabled and no datasource URL is configured. */
class EmbeddedPostgresCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Environment env = context.getEnvironment();
        if (!env.getProperty("ledger.local.enabled", Boolean.class, true)) {
            return ConditionOutcome.noMatch("ledger.local.enabled is false");
        }
        String url = env.getProperty("spring.datasource.url");
        if (url != null && !url.isBlank()) {
            return ConditionOutcome.noMatch("spring.datasource.url is set");
        }
        return ConditionOutcome.match("no datasource URL configured and local services enabled");
    }
}
