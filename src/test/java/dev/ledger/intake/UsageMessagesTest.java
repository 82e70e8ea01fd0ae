package dev.ledger.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledger.entitlement.ConsumeUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UsageMessagesTest {

    private static final Instant SENT = Instant.parse("2025-03-01T10:00:00Z");
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:05Z");

    private static UsageMessages.Parsed parse(String body) {
        return UsageMessages.parse(body, "msg-1", SENT, NOW, Duration.ofMinutes(5));
    }

    @Test
    void the_seed_body_becomes_a_command_with_the_sent_timestamp_and_the_message_id_as_dedup_key() {
        ConsumeUsage command = parse("""
                {"userId":"user-123","entitlementKey":"AI_TUTOR_ACCESS","amount":1,"metadata":{"source":"api"}}""").command();
        assertThat(command.id().toString()).isEqualTo("user-123#AI_TUTOR_ACCESS");
        assertThat(command.amount()).isEqualTo(1);
        assertThat(command.occurredAt()).isEqualTo(SENT);
        assertThat(command.dedupKey()).isEqualTo("msg-1");
        assertThat(command.sourceMessageId()).isEqualTo("msg-1");
        assertThat(command.metadata()).isEqualTo(Map.of("source", "api"));
    }

    @Test
    void amount_defaults_to_one_and_unknown_fields_are_ignored() {
        ConsumeUsage command = parse("{\"userId\":\"u\",\"entitlementKey\":\"K\",\"somethingNew\":[1,2]}")
                .command();
        assertThat(command.amount()).isEqualTo(1);
    }

    @Test
    void idempotency_key_is_the_dedup_key_and_occurred_at_is_the_usage_time() {
        ConsumeUsage command = parse("""
                {"userId":"u","entitlementKey":"K","idempotencyKey":"order-1","occurredAt":"2025-02-28T23:59:59Z",
                 "metadata":{"n":1.5,"flag":false,"big":12345678901234}}""").command();
        assertThat(command.dedupKey()).isEqualTo("order-1");
        assertThat(command.occurredAt()).isEqualTo(Instant.parse("2025-02-28T23:59:59Z"));
        assertThat(command.metadata())
                .containsEntry("flag", false)
                .containsEntry("n", 1.5)
                .containsEntry("big", 12345678901234L);
    }

    @Test
    void null_optional_fields_count_as_absent() {
        ConsumeUsage command = parse("""
                {"userId":"u","entitlementKey":"K","amount":null,"idempotencyKey":null,"metadata":null,"occurredAt":null}""").command();
        assertThat(command.amount()).isEqualTo(1);
        assertThat(command.dedupKey()).isEqualTo("msg-1");
    }

    @Test
    void occurred_at_up_to_five_minutes_ahead_is_accepted() {
        assertThat(parse("{\"userId\":\"u\",\"entitlementKey\":\"K\",\"occurredAt\":\"2025-03-01T10:05:05Z\"}")
                        .valid())
                .isTrue();
    }

    @Test
    void metadata_of_exactly_4_kib_is_accepted_and_one_byte_more_is_not() {
        String filler4k = "x".repeat(4096 - "{\"k\":\"\"}".length());
        assertThat(parse("{\"userId\":\"u\",\"entitlementKey\":\"K\",\"metadata\":{\"k\":\"" + filler4k + "\"}}")
                        .valid())
                .isTrue();
        assertThat(parse("{\"userId\":\"u\",\"entitlementKey\":\"K\",\"metadata\":{\"k\":\"" + filler4k + "x\"}}")
                        .invalid()
                        .code())
                .isEqualTo("METADATA_TOO_LARGE");
    }

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "not json                                                              | MALFORMED_JSON",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\"} trailing                  | MALFORMED_JSON",
                "{\"userId\":\"u\",\"userId\":\"v\",\"entitlementKey\":\"K\"}          | MALFORMED_JSON",
                "[1,2,3]                                                               | NOT_A_JSON_OBJECT",
                "\"a string\"                                                          | NOT_A_JSON_OBJECT",
                "42                                                                    | NOT_A_JSON_OBJECT",
                "{\"entitlementKey\":\"K\"}                                            | MISSING_USER_ID",
                "{\"userId\":null,\"entitlementKey\":\"K\"}                            | MISSING_USER_ID",
                "{\"userId\":7,\"entitlementKey\":\"K\"}                               | INVALID_USER_ID",
                "{\"userId\":\"\",\"entitlementKey\":\"K\"}                            | INVALID_USER_ID",
                "{\"userId\":\"a\\nb\",\"entitlementKey\":\"K\"}                       | INVALID_USER_ID",
                "{\"userId\":\"u\"}                                                    | MISSING_ENTITLEMENT_KEY",
                "{\"userId\":\"u\",\"entitlementKey\":\"lower\"}                       | INVALID_ENTITLEMENT_KEY",
                "{\"userId\":\"u\",\"entitlementKey\":[\"K\"]}                         | INVALID_ENTITLEMENT_KEY",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"amount\":2.5}            | INVALID_AMOUNT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"amount\":0}              | INVALID_AMOUNT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"amount\":-1}             | INVALID_AMOUNT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"amount\":\"3\"}          | INVALID_AMOUNT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"amount\":1e12}           | INVALID_AMOUNT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"amount\":1000000001}     | INVALID_AMOUNT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"amount\":99999999999999999999999} | INVALID_AMOUNT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"amount\":true}           | INVALID_AMOUNT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"idempotencyKey\":\"\"}   | INVALID_IDEMPOTENCY_KEY",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"idempotencyKey\":5}      | INVALID_IDEMPOTENCY_KEY",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"metadata\":[1]}          | INVALID_METADATA",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"metadata\":{\"a\":{\"b\":1}}} | INVALID_METADATA",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"metadata\":{\"a\":null}} | INVALID_METADATA",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"occurredAt\":\"yesterday\"} | INVALID_OCCURRED_AT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"occurredAt\":1700000000} | INVALID_OCCURRED_AT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"occurredAt\":\"-999999999-01-01T00:00:00Z\"} | INVALID_OCCURRED_AT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"occurredAt\":\"0000-12-31T23:59:59Z\"} | INVALID_OCCURRED_AT",
                "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"occurredAt\":\"2025-03-01T10:05:06Z\"} | OCCURRED_AT_IN_FUTURE",
            })
    void invalid_bodies_get_a_specific_reason_code(String body, String code) {
        UsageMessages.Parsed parsed = parse(body);
        assertThat(parsed.valid()).isFalse();
        assertThat(parsed.invalid().code()).isEqualTo(code);
        assertThat(parsed.invalid().detail()).isNotBlank();
    }

    @Test
    void an_idempotency_key_of_129_characters_is_invalid() {
        assertThat(parse("{\"userId\":\"u\",\"entitlementKey\":\"K\",\"idempotencyKey\":\"" + "k".repeat(129) + "\"}")
                        .invalid()
                        .code())
                .isEqualTo("INVALID_IDEMPOTENCY_KEY");
        assertThat(parse("{\"userId\":\"u\",\"entitlementKey\":\"K\",\"idempotencyKey\":\"" + "k".repeat(128) + "\"}")
                        .valid())
                .isTrue();
    }

    @Test
    void a_body_over_256_kib_is_invalid() {
        String body = "{\"userId\":\"u\",\"entitlementKey\":\"K\",\"pad\":\"" + "x".repeat(256 * 1024) + "\"}";
        assertThat(parse(body).invalid().code()).isEqualTo("BODY_TOO_LARGE");
    }

    @Test
    void deeply_nested_json_is_refused_without_a_stack_overflow() {
        String body = "[".repeat(100_000) + "]".repeat(100_000);
        assertThat(parse(body).invalid().code()).isEqualTo("MALFORMED_JSON");
    }

    @Test
    void an_empty_body_is_invalid() {
        assertThat(parse("").invalid().code()).isEqualTo("EMPTY_BODY");
    }

    @Test
    void the_reason_keeps_user_and_key_when_they_were_readable() {
        InvalidMessage invalid = parse(
                        "{\"userId\":\"u-9\",\"entitlementKey\":\"K\",\"amount\":0,\"idempotencyKey\":\"i\"}")
                .invalid();
        assertThat(invalid.userId()).isEqualTo("u-9");
        assertThat(invalid.entitlementKey()).isEqualTo("K");
        assertThat(invalid.dedupKey()).isEqualTo("i");
    }
}
