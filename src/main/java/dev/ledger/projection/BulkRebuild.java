package dev.ledger.projection;

import java.util.function.LongConsumer;
import org.axonframework.eventhandling.TrackingToken;

/**
 * A projection that is rebuilt in one pass over the event store (the DynamoDB table, ADR 0014), instead of a replay of
 * every event through its processor. {@link Rebuilds} stops the processor on every instance and holds its token claims
 * while {@link #rebuild} runs; the processor then resumes with the new generation, from its own tokens or from the
 * position the rebuild covered, whichever is further.
 */
public interface BulkRebuild {

    Projection projection();

    /** Fails fast, in the request, when the rebuild cannot start (the table is missing and may not be created). */
    void prepare();

    /**
     * Rewrites every entitlement's part of the projection from all its events, with {@code generation}.
     *
     * @param progress told the number of events folded so far, now and then
     * @return the position the projection now reflects (with the gaps that may still fill), from which its processor
     *     resumes when its tokens are behind it; {@code null} when there were no events
     * @throws RuntimeException when a write keeps failing; the processor then stays stopped until the next rebuild
     */
    TrackingToken rebuild(long generation, LongConsumer progress);
}
