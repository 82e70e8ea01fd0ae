package dev.ledger.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The refusals of {@link SecurityConfiguration#refuseUnsafeConfiguration}, which the authentication manager's bean
 * calls while the application starts. That the bean refuses a start is shown once, with the development tokens, by
 * {@code StartupRefusalAndJwtTest}; the other cases need no application.
 */
class UnsafeSecurityConfigurationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecuritySettings.Jwt JWT = new SecuritySettings.Jwt("cognito:groups", "ADMIN", "READER");

    private static List<SecuritySettings.Token> tokens(SecuritySettings settings) {
        return TokenAuthentication.configured(settings, JSON);
    }

    @Test
    void an_empty_token_list_without_a_jwt_issuer_is_refused() {
        SecuritySettings settings = new SecuritySettings(List.of(), "[]", false, JWT);

        assertThatThrownBy(() -> SecurityConfiguration.refuseUnsafeConfiguration(tokens(settings), settings, false))
                .hasMessageStartingWith("refusing to start: no API token is configured")
                .hasMessageContaining("LEDGER_SECURITY_TOKENS_JSON");
        assertThatCode(() -> SecurityConfiguration.refuseUnsafeConfiguration(tokens(settings), settings, true))
                .as("a JWT issuer alone is a way to authenticate")
                .doesNotThrowAnyException();
    }

    @Test
    void the_development_tokens_are_refused_in_json_too_unless_explicitly_allowed() {
        String json = "[{\"name\":\"dev\",\"role\":\"READER\",\"sha256\":\""
                + TokenAuthentication.sha256("dev-reader-token") + "\"}]";
        SecuritySettings refused = new SecuritySettings(List.of(), json, false, JWT);
        SecuritySettings allowed = new SecuritySettings(List.of(), json, true, JWT);

        assertThatThrownBy(() -> SecurityConfiguration.refuseUnsafeConfiguration(tokens(refused), refused, true))
                .hasMessageStartingWith("refusing to start: the development tokens");
        assertThatCode(() -> SecurityConfiguration.refuseUnsafeConfiguration(tokens(allowed), allowed, false))
                .doesNotThrowAnyException();
    }
}
