package dev.ledger.command;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Event store and command handling settings ({@code ledger.eventstore.*}).
 *
 * @param snapshotThreshold take a snapshot of an entitlement every this many events
 * @param snapshotThreads   threads that build snapshots off the command thread
 * @param commandRetries    retries of a command that lost a race with another writer (a {@code ConcurrencyException})
 * @param retryBackoff      first delay between such retries; it doubles on each attempt
 * @param cacheSize         entitlements kept in memory between commands by each instance (0 turns the cache off)
 */
@ConfigurationProperties("ledger.eventstore")
public record EventStoreSettings(
        @DefaultValue("250") int snapshotThreshold,
        @DefaultValue("2") int snapshotThreads,
        @DefaultValue("8") int commandRetries,
        @DefaultValue("20ms") Duration retryBackoff,
        @DefaultValue("10000") int cacheSize) {

    public EventStoreSettings {
        if (snapshotThreshold < 1) {
            throw new IllegalArgumentException("ledger.eventstore.snapshot-threshold must be >= 1");
        }
        if (snapshotThreads < 1) {
            throw new IllegalArgumentException("ledger.eventstore.snapshot-threads must be >= 1");
        }
        if (cacheSize < 0) {
            throw new IllegalArgumentException("ledger.eventstore.cache-size must be >= 0 (0 turns the cache off)");
        }
        if (commandRetries < 0) {
            throw new IllegalArgumentException("ledger.eventstore.command-retries must be >= 0");
        }
    }
}
