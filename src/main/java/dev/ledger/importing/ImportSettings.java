package dev.ledger.importing;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Imports of an existing entitlements table ({@code ledger.import.*}).
 *
 * @param segments         segments of the parallel Scan; each segment's items are imported by a thread of its own, so
 *                         this is also how many import commands run at once
 * @param heartbeatTimeout a run whose process has not reported for this long is shown as {@code FAILED} (its process
 *                         died) and no longer blocks a new run
 */
@ConfigurationProperties("ledger.import")
public record ImportSettings(
        @DefaultValue("8") int segments,
        @DefaultValue("30s") Duration heartbeatTimeout) {

    public ImportSettings {
        if (segments < 1 || segments > 64) {
            throw new IllegalArgumentException("ledger.import.segments must be from 1 to 64, got " + segments);
        }
        if (heartbeatTimeout.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new IllegalArgumentException(
                    "ledger.import.heartbeat-timeout must be at least 2s, the heartbeat " + "is written every second");
        }
    }
}
