package dev.ledger.security;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * API authentication ({@code ledger.security.*}).
 *
 * @param tokens                  static bearer tokens: name (for audit logs), role, and the SHA-256 hex of the token;
 *                                from the environment as {@code LEDGER_SECURITY_TOKENS_0_NAME}, {@code _ROLE},
 *                                {@code _SHA256}, …
 * @param tokensJson              the same list as JSON ({@code [{"name","role","sha256"}]}), e.g. from a Secrets
 *                                Manager secret in {@code LEDGER_SECURITY_TOKENS_JSON}; merged with {@code tokens}
 * @param allowDevelopmentTokens  accept the documented development tokens when they are configured (the local profile
 *                                and docker compose set it; a deployment never should)
 * @param jwt                     how the groups of a JWT become roles
 */
@ConfigurationProperties("ledger.security")
public record SecuritySettings(
        List<Token> tokens,
        String tokensJson,
        @DefaultValue("false") boolean allowDevelopmentTokens,
        @DefaultValue Jwt jwt) {

    public SecuritySettings {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }

    /**
     * @param name   who the token belongs to; appears in audit logs and event metadata
     * @param role   {@code ADMIN} or {@code READER}
     * @param sha256 lower-case hex SHA-256 of the token
     */
    public record Token(String name, Role role, String sha256) {}

    /**
     * The roles of a JWT. Spring Boot decodes it ({@code spring.security.oauth2.resourceserver.jwt.*});
     * {@code ledger.security.jwt.issuer-uri} is the issuer under the ledger's name (application.properties maps it).
     *
     * @param rolesClaim  the claim that carries the caller's groups
     * @param adminGroup  group value that grants ADMIN
     * @param readerGroup group value that grants READER
     */
    public record Jwt(
            @DefaultValue("cognito:groups") String rolesClaim,
            @DefaultValue("ADMIN") String adminGroup,
            @DefaultValue("READER") String readerGroup) {}
}
