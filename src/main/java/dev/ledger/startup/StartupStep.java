package dev.ledger.startup;

import org.springframework.context.SmartLifecycle;

/**
 * Work that must happen once at startup after every bean exists (so the embedded emulators are up) and before the
 * SQS listener and the event processors start: creating or checking queues and tables.
 */
public abstract class StartupStep implements SmartLifecycle {

    private volatile boolean running;

    /** Does the step; an exception stops the application from starting. */
    protected abstract void run();

    @Override
    public final void start() {
        run();
        running = true;
    }

    @Override
    public final void stop() {
        running = false;
    }

    @Override
    public final boolean isRunning() {
        return running;
    }

    /** Before the SQS listener containers and Axon's processors. */
    @Override
    public final int getPhase() {
        return Integer.MIN_VALUE + 1000;
    }
}
