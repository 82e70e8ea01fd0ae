package dev.ledger.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.audit.AuthenticatedCaller;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.intercept.AuthorizationFilter;

/**
 * Every {@code /api/**} endpoint needs {@code Authorization: Bearer <token>}. READER may use the read endpoints and the
 * export; ADMIN may do everything. {@code /actuator/health} and the API documentation are open; other actuator
 * endpoints need ADMIN; the support console's static files ({@code GET /console/**}) are open. No token or a bad token
 * is a 401, a token without the role a 403, both as problem details (written by the entry point and the access-denied
 * handler of the web layer).
 *
 * <p>A bearer token is tried as a configured static token first, then as a JWT when Spring Boot has built a
 * {@link JwtDecoder} from {@code spring.security.oauth2.resourceserver.jwt.*}; only the groups-to-roles mapping is ours.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class SecurityConfiguration {

    @Bean
    SecurityFilterChain api(
            HttpSecurity http,
            AuthenticationManager authentication,
            AuthenticationEntryPoint unauthorized,
            AccessDeniedHandler forbidden)
            throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .authorizeHttpRequests(requests -> requests.requestMatchers("/actuator/health", "/actuator/health/**")
                        .permitAll()
                        .requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
                        .permitAll()
                        // the support console's static files hold no data; its API calls carry the token (adr/0025)
                        .requestMatchers(HttpMethod.GET, "/console", "/console/**")
                        .permitAll()
                        .requestMatchers("/actuator/**")
                        .hasRole("ADMIN")
                        .requestMatchers("/api/v1/admin/**")
                        .hasRole("ADMIN")
                        .requestMatchers(
                                HttpMethod.GET,
                                "/api/v1/entitlements/**",
                                "/api/v1/users/**",
                                "/api/v1/usage/**",
                                "/api/v1/me")
                        .hasRole("READER")
                        .requestMatchers("/api/**")
                        .hasRole("ADMIN")
                        .requestMatchers("/error")
                        .permitAll()
                        .anyRequest()
                        .denyAll())
                .oauth2ResourceServer(oauth -> oauth.authenticationManagerResolver(request -> authentication)
                        .authenticationEntryPoint(unauthorized)
                        .accessDeniedHandler(forbidden))
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized).accessDeniedHandler(forbidden))
                // the audit trail must know the caller of a request that authorization refuses (adr/0021)
                .addFilterBefore(new AuthenticatedCaller(), AuthorizationFilter.class);
        return http.build();
    }

    @Bean
    AuthenticationManager apiAuthentication(
            SecuritySettings settings,
            ObjectMapper json,
            ObjectProvider<JwtDecoder> jwtDecoder,
            JwtAuthenticationConverter groupsToRoles) {
        List<SecuritySettings.Token> tokens = TokenAuthentication.configured(settings, json);
        JwtDecoder decoder = jwtDecoder.getIfAvailable();
        refuseUnsafeConfiguration(tokens, settings, decoder != null);
        List<AuthenticationProvider> providers = new ArrayList<>();
        providers.add(new TokenAuthentication(tokens));
        if (decoder != null) {
            JwtAuthenticationProvider jwt = new JwtAuthenticationProvider(decoder);
            jwt.setJwtAuthenticationConverter(groupsToRoles);
            providers.add(jwt);
        }
        ProviderManager manager = new ProviderManager(providers);
        manager.setEraseCredentialsAfterAuthentication(true);
        return manager;
    }

    /** A JWT's groups ({@code ledger.security.jwt.roles-claim}) become READER or ADMIN. */
    @Bean
    JwtAuthenticationConverter groupsToRoles(SecuritySettings settings) {
        JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
        converter.setJwtGrantedAuthoritiesConverter(
                token -> roles(token.getClaim(settings.jwt().rolesClaim()), settings.jwt()));
        return converter;
    }

    /**
     * Refuse to start with the documented development tokens unless they are explicitly allowed (the local profile and
     * docker compose do), or with no way to authenticate at all (e.g. an empty token list in JSON). There is no local
     * mode here: the development tokens reach a deployment only if its configuration names them (adr/0016).
     */
    static void refuseUnsafeConfiguration(List<SecuritySettings.Token> tokens, SecuritySettings settings, boolean jwt) {
        Set<String> developmentHashes =
                Set.of(TokenAuthentication.sha256("dev-admin-token"), TokenAuthentication.sha256("dev-reader-token"));
        boolean development = tokens.stream()
                .anyMatch(t -> developmentHashes.contains(t.sha256().toLowerCase()));
        if (development && !settings.allowDevelopmentTokens()) {
            throw new IllegalStateException("refusing to start: the development tokens dev-admin-token / "
                    + "dev-reader-token are configured but ledger.security.allow-development-tokens is not true. "
                    + "Configure real tokens (ledger.security.tokens or LEDGER_SECURITY_TOKENS_JSON with SHA-256 "
                    + "hashes)");
        }
        if (tokens.isEmpty() && !jwt) {
            throw new IllegalStateException("refusing to start: no API token is configured. Set ledger.security.tokens "
                    + "(LEDGER_SECURITY_TOKENS_0_NAME/_ROLE/_SHA256), LEDGER_SECURITY_TOKENS_JSON, or "
                    + "ledger.security.jwt.issuer-uri");
        }
    }

    static Collection<GrantedAuthority> roles(Object claim, SecuritySettings.Jwt jwt) {
        List<String> groups = claim instanceof Collection<?> values
                ? values.stream().map(String::valueOf).toList()
                : claim == null ? List.of() : List.of(String.valueOf(claim).split("[ ,]+"));
        if (groups.contains(jwt.adminGroup())) {
            return new ArrayList<>(TokenAuthentication.authorities(Role.ADMIN));
        }
        if (groups.contains(jwt.readerGroup())) {
            return new ArrayList<>(TokenAuthentication.authorities(Role.READER));
        }
        return List.of();
    }
}
