package dev.ledger.security;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;

/**
 * Authenticates static bearer tokens. Only SHA-256 hashes are configured; the presented token is hashed and compared
 * with every configured hash using {@link MessageDigest#isEqual}, so the comparison time does not depend on where a
 * guess differs. Returns {@code null} for unknown tokens so that a JWT provider can try next.
 */
public class TokenAuthentication implements AuthenticationProvider {

    /** The documented development tokens of the local run; never accepted elsewhere unless explicitly allowed. */
    public static final Set<String> DEVELOPMENT_TOKENS = Set.of("dev-admin-token", "dev-reader-token");

    private final List<SecuritySettings.Token> tokens;
    private final List<byte[]> hashes;

    public TokenAuthentication(List<SecuritySettings.Token> tokens) {
        this.tokens = List.copyOf(tokens);
        this.hashes = tokens.stream()
                .map(t -> HexFormat.of().parseHex(t.sha256().toLowerCase()))
                .toList();
    }

    /** The configured tokens of {@code settings}: the list plus the JSON list. */
    public static List<SecuritySettings.Token> configured(SecuritySettings settings, ObjectMapper json) {
        List<SecuritySettings.Token> all = new ArrayList<>(settings.tokens());
        if (settings.tokensJson() != null && !settings.tokensJson().isBlank()) {
            try {
                all.addAll(json.readValue(settings.tokensJson(), new TypeReference<List<SecuritySettings.Token>>() {}));
            } catch (Exception e) {
                throw new IllegalStateException(
                        "ledger.security.tokens-json is not a JSON list of " + "{\"name\",\"role\",\"sha256\"}: "
                                + e.getMessage(),
                        e);
            }
        }
        for (SecuritySettings.Token token : all) {
            if (token.name() == null
                    || token.name().isBlank()
                    || token.role() == null
                    || token.sha256() == null
                    || !token.sha256().matches("[0-9a-fA-F]{64}")) {
                throw new IllegalStateException("every API token needs a name, a role (ADMIN or READER) and sha256, "
                        + "the 64-character hex SHA-256 of the token; check the token named '" + token.name() + "'");
            }
        }
        return all;
    }

    public static String sha256(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String presented = ((BearerTokenAuthenticationToken) authentication).getToken();
        byte[] digest = HexFormat.of().parseHex(sha256(presented));
        SecuritySettings.Token match = null;
        for (int i = 0; i < hashes.size(); i++) {
            if (MessageDigest.isEqual(digest, hashes.get(i)) && match == null) {
                match = tokens.get(i);
            }
        }
        if (match == null) {
            return null;
        }
        return UsernamePasswordAuthenticationToken.authenticated(match.name(), null, authorities(match.role()));
    }

    static List<SimpleGrantedAuthority> authorities(Role role) {
        return role == Role.ADMIN
                ? List.of(new SimpleGrantedAuthority("ROLE_ADMIN"), new SimpleGrantedAuthority("ROLE_READER"))
                : List.of(new SimpleGrantedAuthority("ROLE_READER"));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return BearerTokenAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
