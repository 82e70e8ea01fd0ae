package dev.ledger.startup;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Identity of this deployment ({@code ledger.*}), as in the seed document: the stack's resources are
 * {@code {project}-{env}-usage-event-queue}, {@code {project}-{env}-usage-event-dlq} and
 * {@code {project}-{env}-entitlements}. The application does not derive those names: a deployment sets each one
 * (Terraform passes its outputs), and only the local profile builds its names from these two (adr/0016).
 *
 * @param projectName the {@code project_name} of the Terraform stack
 * @param environment the {@code environment} of the Terraform stack
 */
@ConfigurationProperties("ledger")
public record LedgerSettings(
        @DefaultValue("ledger") String projectName,
        @DefaultValue("local") String environment) {}
