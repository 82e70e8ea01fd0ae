package dev.ledger.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.PeriodWindow;
import dev.ledger.entitlement.UsagePolicy;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EntitlementStateTest {

    private final UsagePolicy monthly = new UsagePolicy(100, Period.MONTHLY, null, OverLimit.REJECT);
    private final PeriodWindow february =
            new PeriodWindow(Instant.parse("2025-02-01T00:00:00Z"), Instant.parse("2025-03-01T00:00:00Z"));
    private final EntitlementState stored =
            new EntitlementState("u", "K", true, monthly, february, 42, 7, Instant.parse("2025-02-10T00:00:00Z"));

    @Test
    void a_reader_inside_the_period_sees_the_stored_count() {
        assertThat(stored.asOf(Instant.parse("2025-02-28T23:59:59Z"))).isEqualTo(stored);
    }

    @Test
    void a_reader_after_the_period_end_sees_zero_usage_in_the_current_period_without_any_event() {
        EntitlementState later = stored.asOf(Instant.parse("2025-04-15T00:00:00Z"));
        assertThat(later.used()).isZero();
        assertThat(later.window())
                .isEqualTo(
                        new PeriodWindow(Instant.parse("2025-04-01T00:00:00Z"), Instant.parse("2025-05-01T00:00:00Z")));
        assertThat(later.version()).isEqualTo(7);
    }

    @Test
    void exactly_at_the_period_end_the_count_reads_as_zero() {
        assertThat(stored.asOf(Instant.parse("2025-03-01T00:00:00Z")).used()).isZero();
    }

    @Test
    void an_entitlement_without_tracking_is_unchanged_by_time() {
        EntitlementState untracked = new EntitlementState("u", "K", true, null, null, 0, 0, Instant.EPOCH);
        assertThat(untracked.asOf(Instant.parse("2030-01-01T00:00:00Z"))).isEqualTo(untracked);
    }
}
