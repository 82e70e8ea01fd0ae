package dev.ledger.projection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.axonframework.eventhandling.TrackingToken;
import org.springframework.core.Ordered;

/**
 * A bulk rebuild of the history projection that rebuilds nothing, and blocks or fails when told to, to drive the
 * orchestration of a one-pass rebuild (status while it runs, claims, what a failed pass leaves). It takes part only while
 * {@link #arm armed}, and then before the production one ({@code HistoryRebuild}: first in order); disarmed it names no
 * projection, so a rebuild of the history is the production one.
 */
public final class ControlledBulk implements BulkRebuild, Ordered {

    /** A pass waits for this latch before it returns. */
    public volatile CountDownLatch release = new CountDownLatch(0);
    /** A pass throws this, once released, unless it is null. */
    public volatile RuntimeException failWith;
    /** Passes run so far. */
    public final AtomicInteger runs = new AtomicInteger();

    private volatile boolean armed;

    /** From now on, a rebuild of the history is a pass of this bulk rebuild. */
    public void arm() {
        release = new CountDownLatch(0);
        failWith = null;
        armed = true;
    }

    /** From now on, a rebuild of the history is the production one again. */
    public void disarm() {
        armed = false;
        failWith = null;
        release.countDown();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public Projection projection() {
        return armed ? Projection.HISTORY : null;
    }

    @Override
    public void prepare() {}

    @Override
    public TrackingToken rebuild(long generation, LongConsumer progress) {
        runs.incrementAndGet();
        progress.accept(7);
        try {
            assertThat(release.await(60, TimeUnit.SECONDS))
                    .as("released by the test")
                    .isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (failWith != null) {
            throw failWith;
        }
        return null;
    }
}
