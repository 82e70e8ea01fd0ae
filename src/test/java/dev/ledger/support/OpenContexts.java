package dev.ledger.support;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Closes every application context that the tests left open (Spring's test-context cache keeps them until the JVM
 * exits) when the test session ends, while the test servers they use are still up.
 *
 * <p>Without it, the JVM's shutdown hooks run at once: the hook that stops the in-process ElasticMQ races Spring's hook
 * that closes the cached contexts, so each context's SQS listener, stopping, waits out its poll back-off against a
 * server that is gone, and surefire gives up on the fork 30 s later. Registered twice in test resources: as a Spring
 * Boot listener in {@code META-INF/spring.factories} (it learns of every started and closed context) and as a JUnit
 * {@code LauncherSessionListener} in {@code META-INF/services}.
 */
public final class OpenContexts
        implements ApplicationListener<ApplicationEvent>, LauncherSessionListener, TestExecutionListener {

    private static final Set<ConfigurableApplicationContext> OPEN = new LinkedHashSet<>();

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (event instanceof ApplicationStartedEvent started) {
            synchronized (OPEN) {
                OPEN.add(started.getApplicationContext());
            }
        } else if (event instanceof ContextClosedEvent closed
                && closed.getApplicationContext() instanceof ConfigurableApplicationContext context) {
            synchronized (OPEN) {
                OPEN.remove(context);
            }
        }
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        List<ConfigurableApplicationContext> open;
        synchronized (OPEN) {
            open = new ArrayList<>(OPEN);
        }
        // newest first, the way they would be stopped by hand; each named, so that a test that forgets to close its
        // application (which then runs in the background for the rest of the suite) shows in the output
        for (int i = open.size() - 1; i >= 0; i--) {
            ConfigurableApplicationContext context = open.get(i);
            System.out.printf(
                    "closing an application the tests left open: %s (ledger.environment=%s)%n",
                    context.getId(), context.getEnvironment().getProperty("ledger.environment"));
            context.close();
        }
    }

    /**
     * After each test class, names the applications still open: Spring's cached test contexts, and any that a test
     * started and did not close, which would go on polling queues and the event store for the rest of the run.
     */
    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (test.getSource().orElse(null) instanceof ClassSource source) {
            List<String> open;
            synchronized (OPEN) {
                open = OPEN.stream()
                        .map(c -> c.getId() + "/" + c.getEnvironment().getProperty("ledger.environment"))
                        .toList();
            }
            if (!open.isEmpty()) {
                System.out.printf("after %s, open applications: %s%n", source.getClassName(), open);
            }
        }
    }
}
