package dev.ledger.bench;

import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ApplicationContext;

/** Waiting for projections, read cluster-wide from the token store as the admin API does. */
final class CatchUp {

    private CatchUp() {}

    /** True when the projection is running, not replaying, and has applied every event in the store. */
    static boolean caughtUp(ProjectionStatus.Status status) {
        return !status.replaying() && status.lagEvents() == 0 && "RUNNING".equals(status.state());
    }

    /**
     * Waits until every one of {@code projections} has caught up. @return how long that took
     *
     * @throws IllegalStateException when they have not within {@code timeout}
     */
    static Duration await(ApplicationContext app, Duration timeout, Projection... projections)
            throws InterruptedException {
        ProjectionStatus status = app.getBean(ProjectionStatus.class);
        long start = System.nanoTime();
        while (true) {
            List<ProjectionStatus.Status> behind = new ArrayList<>();
            for (Projection projection : projections) {
                ProjectionStatus.Status current = status.of(projection);
                if (!caughtUp(current)) {
                    behind.add(current);
                }
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            if (behind.isEmpty()) {
                return elapsed;
            }
            if (elapsed.compareTo(timeout) > 0) {
                throw new IllegalStateException("projections did not catch up within " + timeout + ": " + behind);
            }
            Thread.sleep(250);
        }
    }
}
