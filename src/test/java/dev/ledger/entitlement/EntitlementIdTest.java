package dev.ledger.entitlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EntitlementIdTest {

    @Test
    void aggregate_identifier_round_trips_even_when_the_user_id_contains_hashes() {
        EntitlementId id = EntitlementId.of("team#42#alice", "AI_TUTOR_ACCESS");
        assertThat(id.toString()).isEqualTo("team#42#alice#AI_TUTOR_ACCESS");
        assertThat(EntitlementId.parse(id.toString())).isEqualTo(id);
    }

    @Test
    void user_ids_of_256_characters_including_unicode_are_accepted() {
        String userId = "ü".repeat(128) + "😀".repeat(128);
        assertThat(EntitlementId.of(userId, "K").userId()).isEqualTo(userId);
    }

    @Test
    void user_ids_longer_than_256_characters_are_rejected_with_invalid_user_id() {
        assertThatThrownBy(() -> EntitlementId.of("x".repeat(257), "K"))
                .isInstanceOfSatisfying(
                        InvalidInput.class, e -> assertThat(e.code()).isEqualTo("INVALID_USER_ID"))
                .hasMessageContaining("256");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a\nb", "tab\there", "nul\u0000", "del\u007f", "line\u2028sep"})
    void empty_or_control_character_user_ids_are_rejected(String userId) {
        assertThatThrownBy(() -> EntitlementId.of(userId, "K"))
                .isInstanceOfSatisfying(
                        InvalidInput.class, e -> assertThat(e.code()).isEqualTo("INVALID_USER_ID"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "lower", "1STARTS_WITH_DIGIT", "HAS-DASH", "HAS#HASH", "_UNDERSCORE_FIRST"})
    void keys_not_matching_the_pattern_are_rejected(String key) {
        assertThatThrownBy(() -> EntitlementId.of("u", key))
                .isInstanceOfSatisfying(
                        InvalidInput.class, e -> assertThat(e.code()).isEqualTo("INVALID_ENTITLEMENT_KEY"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "A",
                "AI_TUTOR_ACCESS",
                "ACCESS_DASHBOARD",
                "K9",
                "A12345678901234567890123456789012345678901234567890123456789012"
            })
    void keys_matching_the_pattern_are_accepted(String key) {
        assertThat(EntitlementId.of("u", key).entitlementKey()).isEqualTo(key);
    }

    @Test
    void keys_are_at_most_64_characters() {
        assertThat(EntitlementId.of("u", "K".repeat(64)).entitlementKey()).hasSize(64);
        assertThatThrownBy(() -> EntitlementId.of("u", "K".repeat(65)))
                .isInstanceOfSatisfying(
                        InvalidInput.class, e -> assertThat(e.code()).isEqualTo("INVALID_ENTITLEMENT_KEY"));
    }

    @Test
    void parsing_a_string_without_separator_is_rejected() {
        assertThatThrownBy(() -> EntitlementId.parse("nohash"))
                .isInstanceOfSatisfying(
                        InvalidInput.class, e -> assertThat(e.code()).isEqualTo("INVALID_ENTITLEMENT_ID"));
    }
}
