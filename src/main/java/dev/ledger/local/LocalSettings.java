package dev.ledger.local;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Embedded services for the local run ({@code ledger.local.*}).
 *
 * @param enabled       start embedded services for whatever is not configured externally; false in the aws profile
 * @param dataDirectory where embedded services keep their data between runs (git-ignored)
 * @param postgresPort  port of the embedded Postgres on 127.0.0.1
 * @param sqsEnabled    start ElasticMQ (turn off to use another SQS endpoint while keeping the other local services)
 * @param sqsPort       port of the embedded ElasticMQ on 127.0.0.1
 */
@ConfigurationProperties("ledger.local")
public record LocalSettings(@DefaultValue("true") boolean enabled,
                            @DefaultValue(".ledger") Path dataDirectory,
                            @DefaultValue("15432") int postgresPort,
                            @DefaultValue("true") boolean sqsEnabled,
                            @DefaultValue("9324") int sqsPort) {
}
