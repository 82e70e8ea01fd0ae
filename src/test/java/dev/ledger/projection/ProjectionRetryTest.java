package dev.ledger.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The projection tools' one retry policy: what it retries, how it backs off, and when it gives up. */
class ProjectionRetryTest {

    private final ProjectionRetry retry = new ProjectionRetry(new ProjectionSettings(
            Duration.ofMillis(500),
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            Duration.ofSeconds(30),
            Duration.ofMillis(10),
            Duration.ofMillis(40)));
    private final AtomicInteger attempts = new AtomicInteger();

    @Test
    void a_failure_worth_retrying_is_retried_until_the_call_succeeds() {
        String result = retry.retrying("test", Duration.ofSeconds(5), IllegalStateException.class)
                .execute(attempt -> {
                    if (attempts.incrementAndGet() < 4) {
                        throw new IllegalStateException("transient");
                    }
                    return "done";
                });

        assertThat(result).isEqualTo("done");
        assertThat(attempts).hasValue(4);
    }

    @Test
    void a_failure_that_lasts_is_retried_with_growing_pauses_and_thrown_when_the_time_allowed_is_over() {
        long start = System.nanoTime();

        assertThatThrownBy(() -> retry.retrying("test", Duration.ofMillis(300), IllegalStateException.class)
                        .execute(attempt -> {
                            attempts.incrementAndGet();
                            throw new IllegalStateException("still down");
                        }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("still down");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        // pauses of 10, 20, 40, 40, … ms: about nine attempts in 300 ms, not thousands
        assertThat(attempts.get()).isBetween(5, 15);
    }

    @Test
    void another_failure_is_thrown_at_once() {
        assertThatThrownBy(() -> retry.retrying("test", Duration.ofSeconds(5), IllegalStateException.class)
                        .execute(attempt -> {
                            attempts.incrementAndGet();
                            throw new IllegalArgumentException("a bug, not an outage");
                        }))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(attempts).hasValue(1);
    }
}
