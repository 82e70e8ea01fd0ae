package dev.ledger.local;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Embedded services of the local profile ({@code ledger.local.*}); read only there, so they never reach a deployment.
 *
 * @param dataDirectory     where embedded services keep their data between runs (git-ignored)
 * @param postgresEnabled   start embedded Postgres (turn off to use the Postgres named by {@code spring.datasource.url})
 * @param postgresPort      port of the embedded Postgres on 127.0.0.1
 * @param sqsEnabled        start ElasticMQ (turn off to use another SQS endpoint while keeping the other local services)
 * @param sqsPort           port of the embedded ElasticMQ on 127.0.0.1
 * @param dynamodbEnabled   start dynalite (turn off to use another DynamoDB endpoint)
 * @param dynamodbPort      port of dynalite on 127.0.0.1
 * @param nodeExecutable    the Node.js executable that runs dynalite
 * @param dynaliteDirectory where the build installed dynalite ({@code run.js} and {@code node_modules})
 */
@ConfigurationProperties("ledger.local")
public record LocalSettings(
        @DefaultValue(".ledger") Path dataDirectory,
        @DefaultValue("true") boolean postgresEnabled,
        @DefaultValue("15432") int postgresPort,
        @DefaultValue("true") boolean sqsEnabled,
        @DefaultValue("9324") int sqsPort,
        @DefaultValue("true") boolean dynamodbEnabled,
        @DefaultValue("8000") int dynamodbPort,
        @DefaultValue("node") String nodeExecutable,
        @DefaultValue("target/dynalite") Path dynaliteDirectory) {}
