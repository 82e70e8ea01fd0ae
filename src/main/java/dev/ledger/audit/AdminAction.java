package dev.ledger.audit;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The admin requests that are audited, by method and path: every endpoint that changes something. The table is here,
 * not in the controllers, because requests that never reach a controller (a READER's 403, a body Spring MVC cannot
 * read) are audited too. {@code AuditTrailTest} checks that every mutating endpoint of the API is in it.
 */
public enum AdminAction {
    GRANT("grant", "POST", "/api/v1/entitlements"),
    CHANGE_USAGE("change-usage", "PUT", "/api/v1/entitlements/{userId}/{entitlementKey}/usage"),
    ACTIVATE("activate", "POST", "/api/v1/entitlements/{userId}/{entitlementKey}/activate"),
    DEACTIVATE("deactivate", "POST", "/api/v1/entitlements/{userId}/{entitlementKey}/deactivate"),
    RESET("reset", "POST", "/api/v1/entitlements/{userId}/{entitlementKey}/reset"),
    REVERSAL("reversal", "POST", "/api/v1/entitlements/{userId}/{entitlementKey}/reversals"),
    IMPORT("import", "POST", "/api/v1/admin/imports"),
    REBUILD("rebuild", "POST", "/api/v1/admin/projections/{projection}/rebuild"),
    REDRIVE("redrive", "POST", "/api/v1/admin/dead-letters/redrive");

    private final String actionName;
    private final String method;
    private final String path;
    private final PathPattern pattern;

    AdminAction(String actionName, String method, String path) {
        this.actionName = actionName;
        this.method = method;
        this.path = path;
        this.pattern = PathPatternParser.defaultInstance.parse(path);
    }

    /** A request of an audited action, with the variables of its path (decoded). */
    record Match(AdminAction action, Map<String, String> variables) {}

    /** The name stored in the trail and accepted by its {@code action} filter: {@code change-usage}. */
    public String actionName() {
        return actionName;
    }

    /** The HTTP method of the endpoint. */
    public String method() {
        return method;
    }

    /** The endpoint's path pattern, as the controller maps it. */
    public String path() {
        return path;
    }

    static Optional<Match> match(String method, PathContainer path) {
        for (AdminAction action : values()) {
            if (action.method.equals(method)) {
                PathPattern.PathMatchInfo info = action.pattern.matchAndExtract(path);
                if (info != null) {
                    return Optional.of(new Match(action, info.getUriVariables()));
                }
            }
        }
        return Optional.empty();
    }

    static Optional<AdminAction> named(String name) {
        return Arrays.stream(values()).filter(a -> a.actionName.equals(name)).findFirst();
    }

    static List<String> names() {
        return Arrays.stream(values()).map(AdminAction::actionName).toList();
    }
}
