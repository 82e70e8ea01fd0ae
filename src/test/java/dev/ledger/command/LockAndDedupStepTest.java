package dev.ledger.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledger.entitlement.ChangeUsagePolicy;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.Consumption;
import dev.ledger.entitlement.DeactivateEntitlement;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.RejectionReason;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.support.IntegrationTest;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The step before an entitlement loads (lock, "already counted?", short-circuit) and the dedup record written with the
 * event, on the real Postgres schema. The aggregate itself knows nothing of dedup keys (see {@code EntitlementTest}).
 */
@IntegrationTest
class LockAndDedupStepTest {

    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    @Autowired
    Ledger ledger;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    InstanceIdentity instance;

    private EntitlementId grant(long limit) {
        EntitlementId id = EntitlementId.of("dedup-" + UUID.randomUUID(), "AI_TUTOR_ACCESS");
        ledger.send(id, new GrantEntitlement(id, true, policy(limit), NOW), Map.of());
        return id;
    }

    private static UsagePolicy policy(long limit) {
        return new UsagePolicy(limit, Period.NONE, null, OverLimit.REJECT);
    }

    private Consumption consume(EntitlementId id, long amount, String key) {
        return ledger.consume(new ConsumeUsage(id, amount, NOW, key, Map.of(), "msg-" + key));
    }

    private long events(EntitlementId id) {
        return jdbc.queryForObject(
                "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier = ?", Long.class, id.toString());
    }

    private long used(EntitlementId id) {
        return jdbc.queryForObject(
                "SELECT used FROM entitlement_state WHERE entitlement_id = ?", Long.class, id.toString());
    }

    private boolean recorded(EntitlementId id, String key) {
        return jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM dedup_key WHERE entitlement_id = ? AND dedup_key = ?)",
                Boolean.class,
                id.toString(),
                key);
    }

    @Test
    void a_key_that_was_already_counted_is_a_successful_no_op() {
        EntitlementId id = grant(100);

        assertThat(consume(id, 3, "k1")).isEqualTo(Consumption.COUNTED);
        assertThat(consume(id, 3, "k1")).isEqualTo(Consumption.DUPLICATE);

        assertThat(events(id)).as("the grant and one UsageConsumed").isEqualTo(2);
        assertThat(used(id)).isEqualTo(3);
        assertThat(recorded(id, "k1")).isTrue();
    }

    @Test
    void a_duplicate_is_a_success_even_after_the_period_is_full_and_the_entitlement_deactivated() {
        EntitlementId id = grant(5);
        assertThat(consume(id, 5, "k1")).isEqualTo(Consumption.COUNTED);
        ledger.send(id, new DeactivateEntitlement(id, NOW), Map.of());

        assertThat(consume(id, 5, "k1")).isEqualTo(Consumption.DUPLICATE);
        assertThat(events(id)).as("grant, usage, deactivation").isEqualTo(3);
    }

    @Test
    void the_same_key_on_another_entitlement_is_counted() {
        EntitlementId first = grant(100);
        EntitlementId second = grant(100);
        consume(first, 1, "shared-key");

        assertThat(consume(second, 1, "shared-key")).isEqualTo(Consumption.COUNTED);
        assertThat(used(second)).isEqualTo(1);
    }

    @Test
    void a_rejected_key_stays_free_and_is_counted_once_the_limit_allows_it() {
        EntitlementId id = grant(1);
        consume(id, 1, "k0");

        assertThatThrownBy(() -> consume(id, 1, "k1"))
                .isInstanceOfSatisfying(
                        EntitlementRejection.class,
                        rejection -> assertThat(rejection.reason()).isEqualTo(RejectionReason.LIMIT_EXCEEDED));
        assertThat(recorded(id, "k1")).isFalse();

        ledger.send(id, new ChangeUsagePolicy(id, policy(10), NOW), Map.of());
        assertThat(consume(id, 1, "k1")).isEqualTo(Consumption.COUNTED);
        assertThat(used(id)).isEqualTo(2);
    }

    @Test
    void usage_on_a_missing_entitlement_is_ENTITLEMENT_NOT_FOUND_and_records_no_key() {
        EntitlementId id = EntitlementId.of("dedup-missing-" + UUID.randomUUID(), "AI_TUTOR_ACCESS");

        assertThatThrownBy(() -> consume(id, 1, "k1"))
                .isInstanceOfSatisfying(
                        EntitlementRejection.class,
                        rejection -> assertThat(rejection.reason()).isEqualTo(RejectionReason.ENTITLEMENT_NOT_FOUND));
        assertThat(recorded(id, "k1")).isFalse();
    }

    @Test
    void the_dedup_key_and_the_event_commit_or_roll_back_together() {
        EntitlementId id = grant(100);
        String suffix = Long.toHexString(Math.abs(UUID.randomUUID().getMostSignificantBits()));
        jdbc.execute("""
                CREATE FUNCTION refuse_key_%1$s() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.entitlement_id = '%2$s' THEN RAISE EXCEPTION 'dedup key refused by the test'; END IF;
                  RETURN NEW;
                END $$""".formatted(suffix, id));
        jdbc.execute("CREATE TRIGGER refuse_key_" + suffix + " BEFORE INSERT ON dedup_key FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_key_" + suffix + "()");
        try {
            assertThatThrownBy(() -> consume(id, 2, "k1")).hasStackTraceContaining("dedup key refused by the test");
        } finally {
            jdbc.execute("DROP TRIGGER refuse_key_" + suffix + " ON dedup_key");
            jdbc.execute("DROP FUNCTION refuse_key_" + suffix + "()");
        }
        assertThat(events(id)).as("the UsageConsumed rolled back with its key").isEqualTo(1);
        assertThat(used(id)).isZero();

        assertThat(consume(id, 2, "k1")).as("the retry is not a duplicate").isEqualTo(Consumption.COUNTED);
        assertThat(used(id)).isEqualTo(2);
    }

    @Test
    void the_row_names_the_instance_that_wrote_it_last() {
        EntitlementId id = grant(100);
        consume(id, 1, "k1");

        assertThat(jdbc.queryForObject(
                        "SELECT written_by FROM entitlement_state WHERE entitlement_id = ?",
                        String.class,
                        id.toString()))
                .isEqualTo(instance.id());
    }
}
