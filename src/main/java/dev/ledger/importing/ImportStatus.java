package dev.ledger.importing;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One run of an import as the status API shows it. In a dry run {@code imported} counts what would be imported.
 * {@code invalidItems} holds the first 100 items that were not imported; {@code failure} says why a run failed.
 */
public record ImportStatus(
        UUID id,
        String table,
        boolean dryRun,
        State state,
        long scanned,
        long imported,
        long skippedExisting,
        long invalid,
        List<InvalidItem> invalidItems,
        String requestedBy,
        Instant startedAt,
        Instant finishedAt,
        String failure) {

    public enum State {
        RUNNING,
        DONE,
        FAILED
    }

    /** An item that was not imported: its ids as found and the reason. */
    public record InvalidItem(String userId, String entitlementKey, String reason) {}
}
