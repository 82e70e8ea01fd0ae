package dev.ledger.projection.history;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The usage history read model ({@code ledger.history.*}).
 *
 * @param cursorKey HMAC key of the history's page cursors; the same on every instance, so that a cursor from one
 *                  instance is accepted by the others and after a restart
 */
@ConfigurationProperties("ledger.history")
public record HistorySettings(
        @DefaultValue("ledger-history-cursor") String cursorKey) {

    public HistorySettings {
        if (cursorKey == null || cursorKey.isBlank()) {
            throw new IllegalArgumentException("ledger.history.cursor-key must not be blank");
        }
    }
}
