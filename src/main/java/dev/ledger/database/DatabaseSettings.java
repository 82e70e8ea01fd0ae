package dev.ledger.database;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param authentication how the service proves who it is to Postgres: {@code password} (spring.datasource.password,
 *                       the local run and self-managed databases) or {@code iam} (a fresh RDS IAM token for every new
 *                       connection, signed with the task role; no password exists; adr/0019)
 */
@ConfigurationProperties("ledger.database")
public record DatabaseSettings(@DefaultValue("password") Authentication authentication) {

    public enum Authentication {
        PASSWORD,
        IAM
    }
}
