package dev.ledger.projection;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * {@code projections} in {@code /actuator/health} and the lag gauges. A projection whose processor is failing and
 * retrying (a DynamoDB outage, say), or whose oldest unapplied event is older than {@code ledger.projections.degraded-lag},
 * is {@code DEGRADED} with its lag; the service stays up because usage is still recorded, and the projection catches up
 * by itself.
 */
@Component("projections")
class ProjectionMonitoring extends AbstractHealthIndicator implements SchedulingConfigurer {

    static final Status DEGRADED = new Status("DEGRADED", "a projection is failing and retrying; see its lag");
    private static final Logger log = LoggerFactory.getLogger(ProjectionMonitoring.class);

    private final ProjectionStatus status;
    private final Rebuilds rebuilds;
    private final Map<Projection, AtomicReference<ProjectionStatus.Status>> latest = new ConcurrentHashMap<>();

    private final ProjectionSettings settings;

    ProjectionMonitoring(
            ProjectionStatus status, Rebuilds rebuilds, MeterRegistry meters, ProjectionSettings settings) {
        super("projection status unavailable");
        this.status = status;
        this.rebuilds = rebuilds;
        this.settings = settings;
        for (Projection projection : Projection.values()) {
            AtomicReference<ProjectionStatus.Status> holder = new AtomicReference<>();
            latest.put(projection, holder);
            Gauge.builder(
                            "ledger.projection.lag.events",
                            holder,
                            h -> h.get() == null ? 0 : h.get().lagEvents())
                    .tag("processor", projection.processor())
                    .description("events not yet applied by the projection")
                    .register(meters);
            Gauge.builder(
                            "ledger.projection.lag.seconds",
                            holder,
                            h -> h.get() == null ? 0 : h.get().lagSeconds())
                    .tag("processor", projection.processor())
                    .description("age of the oldest event not yet applied by the projection")
                    .register(meters);
        }
    }

    /** {@link #refresh} every {@code ledger.projections.metrics-interval}, on Spring's scheduler. */
    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        registrar.addFixedDelayTask(this::refresh, settings.metricsInterval());
    }

    void refresh() {
        for (Projection projection : Projection.values()) {
            try {
                latest.get(projection).set(status.of(projection));
            } catch (RuntimeException e) {
                log.warn("Could not read the status of projection {}: {}", projection.publicName(), e.toString());
            }
        }
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean degraded = false;
        for (Projection projection : Projection.values()) {
            ProjectionStatus.Status current = status.of(projection);
            latest.get(projection).set(current);
            var processor = rebuilds.processor(projection.processor());
            boolean failing = processor.isError()
                    || processor.processingStatus().values().stream().anyMatch(s -> s.isErrorState())
                    || (!current.replaying()
                            && current.lagEvents() > 0
                            && current.lagSeconds() > settings.degradedLag().toSeconds());
            degraded |= failing;
            builder.withDetail(
                    projection.publicName(),
                    Map.of(
                            "processor",
                            current.processor(),
                            "state",
                            failing ? "ERROR" : current.state(),
                            "lagEvents",
                            current.lagEvents(),
                            "lagSeconds",
                            current.lagSeconds(),
                            "replaying",
                            current.replaying()));
        }
        builder.status(degraded ? DEGRADED : Status.UP);
    }
}
