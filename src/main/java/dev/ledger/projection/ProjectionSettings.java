package dev.ledger.projection;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The projections' processors and their tools ({@code ledger.projections.*}).
 *
 * @param pollInterval    how often the processors look for events appended by other instances; this instance's own
 *                        commits wake them at once ({@link PromptEventSource})
 * @param coordinationInterval how often every instance checks for a rebuild request ({@link Rebuilds#follow})
 * @param metricsInterval how often the lag gauges are refreshed
 * @param degradedLag     health turns {@code DEGRADED} when a projection's oldest unapplied event is older than this
 * @param retryBackoff    first pause of the projection tools' retries ({@link ProjectionRetry}): a rebuild's item
 *                        writes, waiting for token claims; it doubles after each failure
 * @param retryMaxBackoff longest pause between two attempts of those retries
 */
@ConfigurationProperties("ledger.projections")
public record ProjectionSettings(
        @DefaultValue("500ms") Duration pollInterval,
        @DefaultValue("1s") Duration coordinationInterval,
        @DefaultValue("5s") Duration metricsInterval,
        @DefaultValue("30s") Duration degradedLag,
        @DefaultValue("200ms") Duration retryBackoff,
        @DefaultValue("2s") Duration retryMaxBackoff) {

    public ProjectionSettings {
        if (pollInterval.toMillis() < 10) {
            throw new IllegalArgumentException("ledger.projections.poll-interval must be at least 10ms");
        }
        if (retryBackoff.isNegative() || retryBackoff.isZero() || retryMaxBackoff.compareTo(retryBackoff) < 0) {
            throw new IllegalArgumentException("ledger.projections.retry-backoff must be positive and at most "
                    + "ledger.projections.retry-max-backoff");
        }
    }
}
