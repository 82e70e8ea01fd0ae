package dev.ledger.projection;

import dev.ledger.threads.Threads;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.axonframework.common.Registration;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.StreamableMessageSource;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.stereotype.Component;

/**
 * The event store as the streaming processors' source, telling them when events arrive. Axon's pooled processor can
 * wait for a callback from its stream, but the embedded event store's streams offer none, so an idle processor looked
 * for new events only every 500 ms: the benchmark measured ~500 ms from an SQS message to its DynamoDB item at low
 * load. This source signals every open stream when a unit of work of this instance that published events has
 * committed (commits within {@link #GATHER} of each other wake them once); the processor then looks at once, and its
 * first look waits briefly for the store's reader to fetch them.
 * Events appended by other instances are still found by a periodic signal ({@code ledger.projections.poll-interval}).
 * Processors use it through {@code axon.eventhandling.processors.<name>.source=promptEventSource}.
 */
@Component("promptEventSource")
public class PromptEventSource implements StreamableMessageSource<TrackedEventMessage<?>>, DisposableBean {

    /** How long the first look after a signal waits for the store's reader to have fetched the new events. */
    static final Duration SIGNALLED_WAIT = Duration.ofMillis(100);
    /**
     * Commits within this long of each other wake the processors once: under load their batches then hold several
     * events (one transaction and token update per batch), at the cost of this much latency.
     */
    static final Duration GATHER = Duration.ofMillis(20);

    private final EventStore eventStore;
    private final Set<PromptStream> streams = new CopyOnWriteArraySet<>();
    private final Registration subscription;
    private final ThreadPoolTaskScheduler ticker;
    private final AtomicBoolean gathering = new AtomicBoolean();

    @Autowired
    PromptEventSource(EventStore eventStore, ProjectionSettings settings, MeterRegistry meters) {
        this(eventStore, settings.pollInterval(), meters);
    }

    PromptEventSource(EventStore eventStore, Duration pollInterval, MeterRegistry meters) {
        this.eventStore = eventStore;
        this.subscription = eventStore.subscribe(events -> {
            if (CurrentUnitOfWork.isStarted()) {
                CurrentUnitOfWork.get().root().afterCommit(unit -> committed());
            } else {
                committed();
            }
        });
        this.ticker = Threads.scheduler("projection-poll", meters);
        ticker.scheduleWithFixedDelay(() -> signal(false), Instant.now().plus(pollInterval), pollInterval);
    }

    /** Wakes the processors {@link #GATHER} after the first of a run of commits. */
    private void committed() {
        if (gathering.compareAndSet(false, true)) {
            ticker.schedule(
                    () -> {
                        gathering.set(false);
                        signal(true);
                    },
                    Instant.now().plus(GATHER));
        }
    }

    private void signal(boolean eventsCommitted) {
        streams.forEach(stream -> stream.signal(eventsCommitted));
    }

    @Override
    public BlockingStream<TrackedEventMessage<?>> openStream(TrackingToken trackingToken) {
        PromptStream stream = new PromptStream(eventStore.openStream(trackingToken));
        streams.add(stream);
        return stream;
    }

    @Override
    public TrackingToken createTailToken() {
        return eventStore.createTailToken();
    }

    @Override
    public TrackingToken createHeadToken() {
        return eventStore.createHeadToken();
    }

    @Override
    public TrackingToken createTokenAt(Instant dateTime) {
        return eventStore.createTokenAt(dateTime);
    }

    @Override
    public TrackingToken createTokenSince(Duration duration) {
        return eventStore.createTokenSince(duration);
    }

    @Override
    public void destroy() {
        subscription.cancel();
        ticker.destroy();
    }

    /** Open streams (for tests). */
    int openStreams() {
        return streams.size();
    }

    /** A stream of the store that calls its processor back when told that events arrived. */
    final class PromptStream implements BlockingStream<TrackedEventMessage<?>> {

        private final BlockingStream<TrackedEventMessage<?>> delegate;
        private volatile Runnable callback;
        private volatile boolean signalled;

        PromptStream(BlockingStream<TrackedEventMessage<?>> delegate) {
            this.delegate = delegate;
        }

        void signal(boolean eventsCommitted) {
            if (eventsCommitted) {
                signalled = true;
            }
            Runnable current = callback;
            if (current != null) {
                current.run();
            }
        }

        @Override
        public boolean setOnAvailableCallback(Runnable callback) {
            this.callback = callback;
            return true;
        }

        /** After a signal, the first look waits up to {@link #SIGNALLED_WAIT} for the committed events to be read. */
        @Override
        public boolean hasNextAvailable() {
            if (signalled) {
                signalled = false;
                try {
                    return delegate.hasNextAvailable((int) SIGNALLED_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return delegate.hasNextAvailable();
        }

        @Override
        public boolean hasNextAvailable(int timeout, TimeUnit unit) throws InterruptedException {
            return delegate.hasNextAvailable(timeout, unit);
        }

        @Override
        public Optional<TrackedEventMessage<?>> peek() {
            return delegate.peek();
        }

        @Override
        public TrackedEventMessage<?> nextAvailable() throws InterruptedException {
            return delegate.nextAvailable();
        }

        @Override
        public void skipMessagesWithPayloadTypeOf(TrackedEventMessage<?> ignoredMessage) {
            delegate.skipMessagesWithPayloadTypeOf(ignoredMessage);
        }

        @Override
        public void close() {
            streams.remove(this);
            callback = null;
            delegate.close();
        }
    }
}
