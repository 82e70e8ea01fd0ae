package dev.ledger;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Identity of this deployment ({@code ledger.*}); AWS resource names derive from it, as in the seed document:
 * {@code {project}-{env}-usage-event-queue}, {@code {project}-{env}-usage-event-dlq}, {@code {project}-{env}-entitlements}.
 *
 * @param projectName the {@code project_name} of the Terraform stack
 * @param environment the {@code environment} of the Terraform stack
 */
@ConfigurationProperties("ledger")
public record LedgerSettings(@DefaultValue("ledger") String projectName, @DefaultValue("local") String environment) {

    /** {@code {project}-{env}-suffix}. */
    public String resourceName(String suffix) {
        return projectName + "-" + environment + "-" + suffix;
    }
}
