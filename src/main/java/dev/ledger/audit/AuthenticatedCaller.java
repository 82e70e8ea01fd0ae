package dev.ledger.audit;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Sits in Spring Security's chain between authentication and authorization and keeps who the caller is, and their
 * role, in a request attribute. The audit filter runs outside that chain, after the security context is cleared, and
 * must still know the caller of a request that authorization refused (a READER's 403).
 */
public final class AuthenticatedCaller implements Filter {

    /** An authenticated caller: the token's name or the JWT's subject, and {@code ADMIN}, {@code READER} or null. */
    record Caller(String name, String role) {}

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Authentication authentication =
                SecurityContextHolder.getContextHolderStrategy().getContext().getAuthentication();
        if (authentication != null
                && authentication.isAuthenticated()
                && !(authentication instanceof AnonymousAuthenticationToken)) {
            request.setAttribute(AuditTrail.CALLER, new Caller(authentication.getName(), role(authentication)));
        }
        chain.doFilter(request, response);
    }

    private static String role(Authentication authentication) {
        var roles = authentication.getAuthorities().stream()
                .map(GrantedAuthority::getAuthority)
                .toList();
        return roles.contains("ROLE_ADMIN") ? "ADMIN" : roles.contains("ROLE_READER") ? "READER" : null;
    }
}
