package dev.ledger.threads;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Spring's executors for the application's own threads (command side, projections, imports): named, daemon, and
 * reporting Micrometer's {@code executor.*} metrics under their name, as Boot does for its executor beans. They are owned by the bean that uses them, which shuts
 * them down when the context destroys it: an {@code Executor} or {@code TaskScheduler} bean would make Boot back off
 * from its {@code applicationTaskExecutor} and {@code taskScheduler}, which MVC's streamed responses and
 * {@code @Scheduled} use.
 */
public final class Threads {

    private Threads() {}

    /** {@code threads} threads named {@code name-N}, started. */
    public static ThreadPoolTaskExecutor pool(String name, int threads, MeterRegistry meters) {
        ThreadPoolTaskExecutor pool = new ThreadPoolTaskExecutor();
        pool.setCorePoolSize(threads);
        pool.setMaxPoolSize(threads);
        pool.setThreadNamePrefix(name + "-");
        pool.setDaemon(true);
        pool.initialize();
        if (meters != null) {
            new ExecutorServiceMetrics(pool.getThreadPoolExecutor(), name, Tags.empty()).bindTo(meters);
        }
        return pool;
    }

    /** One scheduler thread named {@code name-1}, started. */
    public static ThreadPoolTaskScheduler scheduler(String name, MeterRegistry meters) {
        ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
        scheduler.setThreadNamePrefix(name + "-");
        scheduler.setDaemon(true);
        scheduler.initialize();
        if (meters != null) {
            new ExecutorServiceMetrics(scheduler.getScheduledExecutor(), name, Tags.empty()).bindTo(meters);
        }
        return scheduler;
    }
}
