package dev.ledger.projection;

import dev.ledger.command.Ledger;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.axonframework.eventhandling.ReplayStatus;

/**
 * {@code ledger.projection.delay}: for each event of a usage that came from SQS, the time from the message's
 * {@code SentTimestamp} (stored with the event as {@link Ledger#SQS_SENT_TIMESTAMP}) until a projection has applied
 * it. The projection records it once its write is acknowledged; events without the timestamp (the API, imports,
 * grants) and events replayed into a rebuild record nothing.
 */
public final class ProjectionDelay {

    private final Timer timer;
    private final Clock clock;

    public ProjectionDelay(Projection projection, MeterRegistry meters, Clock clock) {
        this.clock = clock;
        this.timer = Timer.builder("ledger.projection.delay")
                .description("time from the usage message's SQS SentTimestamp until the projection applied its event "
                        + "(DynamoDB write acknowledged / history row committed)")
                .tag("processor", projection.processor())
                .publishPercentileHistogram()
                .register(meters);
    }

    /**
     * The SQS send time of an event to record once it is applied, or null if there is none to record.
     *
     * @param sentAt the event's {@link Ledger#SQS_SENT_TIMESTAMP} metadata value, epoch milliseconds (null if absent)
     * @param replay whether the event is being replayed
     */
    public static Long toRecord(Object sentAt, ReplayStatus replay) {
        return sentAt instanceof Number millis && !replay.isReplay() ? millis.longValue() : null;
    }

    /** Records, for each of {@code sentTimes} (epoch milliseconds), the time from it until now. */
    public void applied(List<Long> sentTimes) {
        long now = clock.millis();
        for (long sentAt : sentTimes) {
            timer.record(Math.max(0, now - sentAt), TimeUnit.MILLISECONDS);
        }
    }
}
