package dev.ledger.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import java.util.Set;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.ProviderManager;

import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Every {@code /api/**} endpoint needs {@code Authorization: Bearer <token>}. READER may use the read endpoints and the
 * export; ADMIN may do everything. {@code /actuator/health} and the API documentation are open; other actuator
 * endpoints need ADMIN. No token or a bad token is a 401, a token without the role a 403, both as problem details.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class SecurityConfiguration {

    @Bean
    SecurityFilterChain api(HttpSecurity http, AuthenticationManager authentication, ObjectMapper json)
            throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers("/actuator/health", "/actuator/health/**").permitAll()
                        .requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
                        .permitAll()
                        .requestMatchers("/actuator/**").hasRole("ADMIN")
                        .requestMatchers("/api/v1/admin/**").hasRole("ADMIN")
                        .requestMatchers(HttpMethod.GET, "/api/v1/entitlements/**", "/api/v1/users/**",
                                "/api/v1/usage/**").hasRole("READER")
                        .requestMatchers("/api/**").hasRole("ADMIN")
                        .requestMatchers("/error").permitAll()
                        .anyRequest().denyAll())
                .oauth2ResourceServer(oauth -> oauth
                        .authenticationManagerResolver(request -> authentication)
                        .authenticationEntryPoint((request, response, e) -> problem(response, json,
                                HttpStatus.UNAUTHORIZED, "UNAUTHORIZED",
                                "a valid bearer token is required: Authorization: Bearer <token>"))
                        .accessDeniedHandler((request, response, e) -> problem(response, json, HttpStatus.FORBIDDEN,
                                "FORBIDDEN", "the token is valid but its role may not do this")))
                .exceptionHandling(e -> e
                        .authenticationEntryPoint((request, response, ex) -> problem(response, json,
                                HttpStatus.UNAUTHORIZED, "UNAUTHORIZED",
                                "a valid bearer token is required: Authorization: Bearer <token>"))
                        .accessDeniedHandler((request, response, ex) -> problem(response, json, HttpStatus.FORBIDDEN,
                                "FORBIDDEN", "the token is valid but its role may not do this")));
        return http.build();
    }

    @Bean
    AuthenticationManager apiAuthentication(SecuritySettings settings, ObjectMapper json) {
        List<SecuritySettings.Token> tokens = TokenAuthentication.configured(settings, json);
        refuseUnsafeConfiguration(tokens, settings);
        List<AuthenticationProvider> providers = new ArrayList<>();
        providers.add(new TokenAuthentication(tokens));
        if (settings.jwt().enabled()) {
            JwtAuthenticationProvider jwt = new JwtAuthenticationProvider(jwtDecoder(settings.jwt()));
            JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
            converter.setJwtGrantedAuthoritiesConverter(token -> roles(token.getClaim(settings.jwt().rolesClaim()),
                    settings.jwt()));
            jwt.setJwtAuthenticationConverter(converter);
            providers.add(jwt);
        }
        ProviderManager manager = new ProviderManager(providers);
        manager.setEraseCredentialsAfterAuthentication(true);
        return manager;
    }

    /**
     * Refuse to start with the documented development tokens unless they are explicitly allowed (the local profile and
     * docker compose do), or with no way to authenticate at all (e.g. an empty token list in JSON). There is no local
     * mode here: the development tokens reach a deployment only if its configuration names them (adr/0016).
     */
    static void refuseUnsafeConfiguration(List<SecuritySettings.Token> tokens, SecuritySettings settings) {
        Set<String> developmentHashes = Set.of(TokenAuthentication.sha256("dev-admin-token"),
                TokenAuthentication.sha256("dev-reader-token"));
        boolean development = tokens.stream().anyMatch(t -> developmentHashes.contains(t.sha256().toLowerCase()));
        if (development && !settings.allowDevelopmentTokens()) {
            throw new IllegalStateException("refusing to start: the development tokens dev-admin-token / "
                    + "dev-reader-token are configured but ledger.security.allow-development-tokens is not true. "
                    + "Configure real tokens (ledger.security.tokens or LEDGER_SECURITY_TOKENS_JSON with SHA-256 "
                    + "hashes)");
        }
        if (tokens.isEmpty() && !settings.jwt().enabled()) {
            throw new IllegalStateException("refusing to start: no API token is configured. Set ledger.security.tokens "
                    + "(LEDGER_SECURITY_TOKENS_0_NAME/_ROLE/_SHA256), LEDGER_SECURITY_TOKENS_JSON, or "
                    + "ledger.security.jwt.issuer-uri");
        }
    }

    static Collection<GrantedAuthority> roles(Object claim, SecuritySettings.Jwt jwt) {
        List<String> groups = claim instanceof Collection<?> values ? values.stream().map(String::valueOf).toList()
                : claim == null ? List.of() : List.of(String.valueOf(claim).split("[ ,]+"));
        if (groups.contains(jwt.adminGroup())) {
            return new ArrayList<>(TokenAuthentication.authorities(Role.ADMIN));
        }
        if (groups.contains(jwt.readerGroup())) {
            return new ArrayList<>(TokenAuthentication.authorities(Role.READER));
        }
        return List.of();
    }

    private static JwtDecoder jwtDecoder(SecuritySettings.Jwt jwt) {
        NimbusJwtDecoder decoder;
        if (jwt.publicKeyLocation() != null) {
            decoder = NimbusJwtDecoder.withPublicKey(publicKey(jwt)).build();
        } else if (jwt.jwkSetUri() != null && !jwt.jwkSetUri().isBlank()) {
            decoder = NimbusJwtDecoder.withJwkSetUri(jwt.jwkSetUri()).build();
        } else {
            decoder = NimbusJwtDecoder.withIssuerLocation(jwt.issuerUri()).build();
        }
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
                JwtValidators.createDefaultWithIssuer(jwt.issuerUri())));
        return decoder;
    }

    private static RSAPublicKey publicKey(SecuritySettings.Jwt jwt) {
        try {
            String pem = new String(jwt.publicKeyLocation().getInputStream().readAllBytes())
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the JWT public key from " + jwt.publicKeyLocation(), e);
        }
    }

    private static void problem(HttpServletResponse response, ObjectMapper json, HttpStatus status, String code,
                                String detail) throws IOException {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(status.getReasonPhrase());
        problem.setProperty("code", code);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        if (status == HttpStatus.UNAUTHORIZED) {
            response.setHeader("WWW-Authenticate", "Bearer");
        }
        json.writeValue(response.getOutputStream(), problem);
    }

}
