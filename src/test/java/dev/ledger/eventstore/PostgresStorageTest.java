package dev.ledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.support.IntegrationTest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.json.JacksonSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.JdbcTemplate;

@IntegrationTest
class PostgresStorageTest {

    @Autowired
    dev.ledger.command.Ledger ledger;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    Serializer serializer;

    @Autowired
    @Qualifier("eventSerializer")
    Serializer eventSerializer;

    @Autowired
    @Qualifier("messageSerializer")
    Serializer messageSerializer;

    @Test
    void events_snapshots_and_tokens_never_create_postgres_large_objects() {
        EntitlementId id = EntitlementId.of("lob-user", "AI_TUTOR_ACCESS");
        ledger.send(
                id,
                new GrantEntitlement(
                        id, true, new UsagePolicy(1_000, Period.DAILY, null, OverLimit.REJECT), Instant.now()),
                Map.of());
        for (int i = 0; i < 300; i++) {
            ledger.consume(new ConsumeUsage(id, 1, Instant.now(), "lob-" + i, Map.of("i", i), null));
        }
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier = ?",
                        Long.class,
                        id.toString()))
                .isEqualTo(301);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM pg_largeobject_metadata", Long.class))
                .isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM pg_largeobject", Long.class))
                .isZero();
    }

    @Test
    void every_binary_axon_column_is_bytea() {
        List<String> types = jdbc.queryForList("""
                SELECT table_name || '.' || column_name || '=' || data_type FROM information_schema.columns
                WHERE (table_name, column_name) IN (('domain_event_entry', 'payload'), ('domain_event_entry', 'meta_data'),
                    ('snapshot_event_entry', 'payload'), ('snapshot_event_entry', 'meta_data'), ('token_entry', 'token'),
                    ('dead_letter_entry', 'payload'), ('dead_letter_entry', 'meta_data'), ('dead_letter_entry', 'token'),
                    ('saga_entry', 'serialized_saga'))
                ORDER BY 1""", String.class);
        assertThat(types).hasSize(9).allSatisfy(type -> assertThat(type).endsWith("=bytea"));
    }

    @Test
    void each_event_takes_exactly_one_value_of_the_global_index_sequence() {
        EntitlementId id = EntitlementId.of("sequence-user", "AI_TUTOR_ACCESS");
        ledger.send(id, new GrantEntitlement(id, true, null, Instant.now()), Map.of());
        Long index = jdbc.queryForObject(
                "SELECT global_index FROM domain_event_entry WHERE aggregate_identifier = ?",
                Long.class,
                id.toString());
        // Hibernate's default pooled allocation would reserve 50 values at a time and run ahead of the events
        assertThat(jdbc.queryForObject("SELECT last_value FROM domain_event_entry_seq", Long.class))
                .isEqualTo(index);
    }

    @Test
    void the_global_index_sequence_allocates_one_at_a_time() {
        assertThat(jdbc.queryForObject(
                        "SELECT increment_by FROM pg_sequences WHERE sequencename = 'domain_event_entry_seq'",
                        Long.class))
                .isEqualTo(1);
    }

    @Test
    void axon_serializes_events_messages_and_everything_else_with_jackson() {
        assertThat(List.of(serializer, eventSerializer, messageSerializer))
                .allSatisfy(s -> assertThat(s).isInstanceOf(JacksonSerializer.class));
    }

    @Autowired
    TokenStore tokenStore;

    @Test
    void the_processors_keep_their_tokens_through_jdbc_in_token_entry_as_json() {
        // the JPA store had Hibernate translate a JPQL update on every batch (ADR 0026)
        assertThat(tokenStore).isInstanceOf(JdbcTokenStore.class);
        EntitlementId id = EntitlementId.of("pg-storage-token-user", "AI_TUTOR_ACCESS");
        ledger.send(
                id,
                new GrantEntitlement(id, true, new UsagePolicy(10, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                Map.of());
        Long head = jdbc.queryForObject("SELECT max(global_index) FROM domain_event_entry", Long.class);
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(jdbc.queryForList(
                                "SELECT convert_from(token, 'UTF8') FROM token_entry WHERE processor_name IN "
                                        + "('entitlement-table', 'usage-history') AND token IS NOT NULL",
                                String.class))
                        .isNotEmpty()
                        .anySatisfy(token -> assertThat(
                                        Long.parseLong(token.replaceAll("(?s).*\"index\"\\s*:\\s*(\\d+).*", "$1")))
                                .isGreaterThanOrEqualTo(head)));
    }
}
