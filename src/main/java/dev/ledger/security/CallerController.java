package dev.ledger.security;

import io.swagger.v3.oas.annotations.Operation;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Who the bearer of a token is: the support console asks once after sign-in and shows ADMIN's actions only to ADMIN.
 * It decides nothing: every endpoint still checks the role itself.
 */
@RestController
@RequestMapping("/api/v1")
class CallerController {

    /** The caller's name (a static token's name or a JWT's subject) and every role it holds, ADMIN implying READER. */
    record Caller(String name, List<Role> roles) {}

    @Operation(summary = "the caller's name and roles (READER, ADMIN)")
    @GetMapping("/me")
    Caller me(Authentication authentication) {
        Set<String> authorities = authentication.getAuthorities().stream()
                .map(GrantedAuthority::getAuthority)
                .collect(Collectors.toSet());
        return new Caller(
                authentication.getName(),
                Arrays.stream(Role.values())
                        .filter(role -> authorities.contains("ROLE_" + role.name()))
                        .toList());
    }
}
