package dev.ledger.projection.dynamodb;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The entitlements table ({@code ledger.dynamodb.*}).
 *
 * @param table          table name ({@code {project}-{env}-entitlements} in Terraform); required
 * @param createTable    create the table at startup if it is missing (local run and tests); in AWS Terraform creates
 *                       it and the application only checks that it exists
 * @param writeParallelism how many item writes of one batch (or of a rebuild) run at once
 * @param bulkWriteRetry how long a rebuild retries a failing item write before it gives up; the processors then stay
 *                       stopped until the rebuild is started again (ADR 0014)
 */
@ConfigurationProperties("ledger.dynamodb")
public record DynamoDbSettings(
        String table,
        @DefaultValue("false") boolean createTable,
        @DefaultValue("8") int writeParallelism,
        @DefaultValue("2m") Duration bulkWriteRetry) {

    public DynamoDbSettings {
        if (table == null || table.isBlank()) {
            throw new IllegalArgumentException("ledger.dynamodb.table must be set");
        }
        if (writeParallelism < 1) {
            throw new IllegalArgumentException("ledger.dynamodb.write-parallelism must be >= 1");
        }
    }
}
