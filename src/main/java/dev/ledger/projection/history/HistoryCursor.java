package dev.ledger.projection.history;

import dev.ledger.paging.SignedCursor;
import java.time.Instant;

/**
 * A stable, opaque position in a newest-first history: the recorded time, the source (0 event, 1 rejection) and the id
 * of the last entry returned, signed ({@link SignedCursor}) so that a tampered cursor is refused. The key is
 * configuration ({@code ledger.history.cursor-key}) so cursors survive restarts and work on every instance.
 */
record HistoryCursor(Instant recordedAt, int source, long id) {

    static String encode(HistoryCursor cursor, byte[] key) {
        return SignedCursor.encode(
                key, cursor.recordedAt().getEpochSecond(), cursor.recordedAt().getNano(), cursor.source(), cursor.id());
    }

    static HistoryCursor decode(String text, byte[] key) {
        long[] position = SignedCursor.decode(text, key, 4);
        return new HistoryCursor(Instant.ofEpochSecond(position[0], position[1]), (int) position[2], position[3]);
    }
}
