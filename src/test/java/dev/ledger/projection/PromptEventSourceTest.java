package dev.ledger.projection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PromptEventSourceTest {

    private final EmbeddedEventStore store = EmbeddedEventStore.builder()
            .storageEngine(new InMemoryEventStorageEngine())
            .build();
    private final PromptEventSource source = new PromptEventSource(store, Duration.ofHours(1), null);

    @AfterEach
    void close() {
        source.destroy();
        store.shutDown();
    }

    @Test
    void a_stream_calls_its_processor_back_once_events_published_in_a_unit_of_work_have_committed() throws Exception {
        BlockingStream<TrackedEventMessage<?>> stream = source.openStream(null);
        AtomicInteger callbacks = new AtomicInteger();
        assertThat(stream.setOnAvailableCallback(callbacks::incrementAndGet))
                .as("callbacks are supported")
                .isTrue();

        DefaultUnitOfWork<?> unit = DefaultUnitOfWork.startAndGet(null);
        List<Integer> seenBeforeCommit = new ArrayList<>();
        unit.onPrepareCommit(u -> {
            store.publish(GenericEventMessage.asEventMessage("payload"));
        });
        unit.onCommit(u -> seenBeforeCommit.add(callbacks.get()));
        unit.commit();

        assertThat(seenBeforeCommit).containsExactly(0);
        awaitCallbacks(callbacks, 1);
        assertThat(callbacks.get()).isEqualTo(1);
        // the first look after the signal waits for the store's reader instead of answering "nothing yet"
        assertThat(stream.hasNextAvailable()).isTrue();
        assertThat(stream.nextAvailable().getPayload()).isEqualTo("payload");
        assertThat(stream.hasNextAvailable()).isFalse();
        stream.close();
        assertThat(source.openStreams()).isZero();
    }

    @Test
    void events_published_outside_a_unit_of_work_signal_too() throws Exception {
        BlockingStream<TrackedEventMessage<?>> stream = source.openStream(null);
        AtomicInteger callbacks = new AtomicInteger();
        stream.setOnAvailableCallback(callbacks::incrementAndGet);
        store.publish(GenericEventMessage.asEventMessage("direct"));
        awaitCallbacks(callbacks, 1);
        assertThat(callbacks.get()).isEqualTo(1);
        assertThat(stream.hasNextAvailable()).isTrue();
        stream.close();
    }

    @Test
    void commits_close_together_wake_the_processor_once() throws Exception {
        BlockingStream<TrackedEventMessage<?>> stream = source.openStream(null);
        AtomicInteger callbacks = new AtomicInteger();
        stream.setOnAvailableCallback(callbacks::incrementAndGet);
        for (int i = 0; i < 5; i++) {
            store.publish(GenericEventMessage.asEventMessage("burst-" + i));
        }
        awaitCallbacks(callbacks, 1);
        Thread.sleep(PromptEventSource.GATHER.toMillis() * 5);
        assertThat(callbacks.get()).isEqualTo(1);
        stream.close();
    }

    private static void awaitCallbacks(AtomicInteger callbacks, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (callbacks.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Test
    void the_periodic_look_finds_events_appended_elsewhere() throws Exception {
        PromptEventSource polling = new PromptEventSource(store, Duration.ofMillis(20), null);
        try {
            BlockingStream<TrackedEventMessage<?>> stream = polling.openStream(null);
            AtomicInteger callbacks = new AtomicInteger();
            stream.setOnAvailableCallback(callbacks::incrementAndGet);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (callbacks.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(callbacks.get())
                    .as("periodic callbacks without any event")
                    .isGreaterThanOrEqualTo(3);
            assertThat(stream.hasNextAvailable()).as("nothing was published").isFalse();
            stream.close();
        } finally {
            polling.destroy();
        }
    }
}
