package dev.ledger.audit;

import dev.ledger.entitlement.InvalidInput;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Reads the admin audit trail, newest first (ADMIN, like all of {@code /api/v1/admin}). */
@RestController
@RequestMapping("/api/v1/admin/audit")
class AuditController {

    static final int MAX_LIMIT = 1000;
    static final int DEFAULT_LIMIT = 100;

    private final AuditLog trail;

    AuditController(AuditLog trail) {
        this.trail = trail;
    }

    /** The query, bound and validated by Spring. */
    record AuditQuery(
            @Parameter(description = "entries with at >= from, an ISO-8601 instant")
            Instant from,

            @Parameter(description = "entries with at < to, an ISO-8601 instant")
            Instant to,

            @Parameter(description = "only this caller (a token's name or a JWT's subject)")
            @Size(max = 256)
            @Pattern(regexp = "[^\\p{Cntrl}]*", message = "must not contain control characters")
            String caller,

            @Parameter(
                    description = "only this action",
                    schema =
                            @Schema(
                                    allowableValues = {
                                        "grant",
                                        "change-usage",
                                        "activate",
                                        "deactivate",
                                        "reset",
                                        "reversal",
                                        "import",
                                        "rebuild",
                                        "redrive"
                                    }))
            String action,

            @Parameter(
                    description = "entries per page",
                    schema = @Schema(type = "integer", minimum = "1", maximum = "1000", defaultValue = "100"))
            @Min(1)
            @Max(MAX_LIMIT)
            Integer limit,

            @Parameter(description = "the previous page's nextCursor")
            String cursor) {}

    @GetMapping
    @Operation(
            summary = "Read the admin audit trail",
            description = "One entry per admin request (grant, change-usage, activate, deactivate, reset, reversal, "
                    + "import, rebuild, redrive) of an authenticated caller, whatever its outcome, newest first. "
                    + "Pass nextCursor as cursor for the next page; it is null on the last page.")
    @ApiResponse(responseCode = "200", description = "A page of entries")
    @ApiResponse(
            responseCode = "400",
            description = "A bad parameter (INVALID_TIME, INVALID_RANGE, INVALID_LIMIT, INVALID_CALLER, "
                    + "UNKNOWN_ACTION, INVALID_CURSOR)",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    AuditLog.Page page(@ParameterObject @Valid AuditQuery query) {
        if (query.from() != null && query.to() != null && query.from().isAfter(query.to())) {
            throw new InvalidInput("INVALID_RANGE", "from " + query.from() + " is after to " + query.to());
        }
        String action = blankToNull(query.action());
        if (action != null && AdminAction.named(action).isEmpty()) {
            throw new InvalidInput(
                    "UNKNOWN_ACTION", "unknown action '" + action + "'; known actions: " + AdminAction.names());
        }
        String cursor = blankToNull(query.cursor());
        return trail.page(new AuditLog.Query(
                query.from(),
                query.to(),
                blankToNull(query.caller()),
                action,
                query.limit() == null ? DEFAULT_LIMIT : query.limit(),
                cursor == null ? null : AuditCursor.decode(cursor)));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
