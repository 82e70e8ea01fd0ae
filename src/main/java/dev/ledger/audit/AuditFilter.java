package dev.ledger.audit;

import dev.ledger.entitlement.EntitlementId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Outside Spring Security's chain (ordered before it), so that it sees every outcome: gives each request its request
 * id, and writes one audit row for every admin request ({@link AdminAction}) of an authenticated caller once the
 * answer's status is known, including refusals by the security layer and by Spring MVC, and 5xx.
 *
 * <p>The row is written after the action, in its own transaction. If that fails, the answer is still sent: the row
 * goes to the {@code ledger.audit} log at ERROR and {@code ledger.audit.failures} counts it (adr/0021).
 */
class AuditFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger("ledger.audit");
    /** Printable ASCII without spaces, at most 128 characters: what we pass on in a header and store. */
    private static final Pattern REQUEST_ID = Pattern.compile("[\\x21-\\x7E]{1,128}");

    // looked up at the first request: a servlet filter is built while the web server starts, before the beans
    private final ObjectProvider<AuditLog> trail;
    private final ObjectProvider<MeterRegistry> meters;
    private final Clock clock;

    AuditFilter(ObjectProvider<AuditLog> trail, ObjectProvider<MeterRegistry> meters, Clock clock) {
        this.trail = trail;
        this.meters = meters;
        this.clock = clock;
    }

    /** The count of audit rows that could not be written. */
    static Counter failures(MeterRegistry meters) {
        return Counter.builder("ledger.audit.failures")
                .description("admin requests whose audit row could not be written (logged on ledger.audit instead)")
                .register(meters);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String requestId = requestId(request.getHeader(AuditTrail.REQUEST_ID_HEADER));
        response.setHeader(AuditTrail.REQUEST_ID_HEADER, requestId);
        Optional<AdminAction.Match> match = match(request);
        if (match.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        boolean answered = false;
        try {
            chain.doFilter(request, response);
            answered = true;
        } finally {
            // an exception escaping the chain becomes Tomcat's 500 after this filter has returned
            record(request, match.get(), requestId, answered || response.isCommitted() ? response.getStatus() : 500);
        }
    }

    static String requestId(String given) {
        return given != null && REQUEST_ID.matcher(given).matches()
                ? given
                : UUID.randomUUID().toString();
    }

    private static Optional<AdminAction.Match> match(HttpServletRequest request) {
        PathContainer path;
        try {
            path = RequestPath.parse(request.getRequestURI(), request.getContextPath())
                    .pathWithinApplication();
        } catch (IllegalArgumentException undecodable) {
            return Optional.empty(); // Spring MVC cannot route it either
        }
        return AdminAction.match(request.getMethod(), path);
    }

    private void record(HttpServletRequest request, AdminAction.Match match, String requestId, int status) {
        if (!(request.getAttribute(AuditTrail.CALLER) instanceof AuthenticatedCaller.Caller caller)) {
            return; // no authenticated caller (a 401, or refused before authentication): nobody to attribute it to
        }
        EntitlementId noted = request.getAttribute(AuditTrail.ENTITLEMENT) instanceof EntitlementId id ? id : null;
        String target = (String) request.getAttribute(AuditTrail.TARGET);
        AuditEntry entry = new AuditEntry(
                null,
                clock.instant().truncatedTo(ChronoUnit.MICROS),
                bounded(caller.name(), 256),
                caller.role(),
                match.action().actionName(),
                bounded(noted != null ? noted.userId() : match.variables().get("userId"), 512),
                bounded(
                        noted != null
                                ? noted.entitlementKey()
                                : match.variables().get("entitlementKey"),
                        512),
                bounded(target != null ? target : match.variables().get("projection"), 2048),
                bounded((String) request.getAttribute(AuditTrail.REASON), 2048),
                requestId,
                status);
        try {
            trail.getObject().append(entry);
        } catch (RuntimeException e) {
            meters.ifAvailable(registry -> failures(registry).increment());
            log.error("the audit row of this admin request could not be written: {}", entry, e);
        }
    }

    /** At most {@code max} characters, never half a surrogate pair, and no NUL (which Postgres text cannot hold). */
    static String bounded(String value, int max) {
        if (value == null) {
            return null;
        }
        String text = value.replace('\u0000', '\uFFFD');
        if (text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 2)) ? max - 2 : max - 1;
        return text.substring(0, end) + "…";
    }
}
