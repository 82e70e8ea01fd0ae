package dev.ledger.explain;

import dev.ledger.entitlement.EntitlementId;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Instant;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** "Why is this balance X?" for support (READER, like every GET under {@code /api/v1/entitlements}). */
@RestController
@RequestMapping("/api/v1")
class ExplainController {

    private final Explanations explanations;

    ExplainController(Explanations explanations) {
        this.explanations = explanations;
    }

    @GetMapping("/entitlements/{userId}/{entitlementKey}/explain")
    @Operation(
            summary = "Explain the count of the window that contains an instant",
            description = "The window that contains `at` (default now), its limit and count (`used`), the events that "
                    + "make up the count, oldest first, with the count after each (the last one's `usedAfter` is "
                    + "`used`), the window's rejected receives (the first 100), and, for the current window only, "
                    + "the DynamoDB item and whether it agrees. Read from the event store, one read of the "
                    + "entitlement's events per request.")
    @ApiResponse(responseCode = "200", description = "The explanation")
    @ApiResponse(
            responseCode = "400",
            description = "`at` is not an ISO-8601 instant in 0001–9999 (INVALID_TIME), or the user id or key is "
                    + "invalid (INVALID_USER_ID, INVALID_ENTITLEMENT_KEY)",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    @ApiResponse(
            responseCode = "404",
            description = "No such entitlement (ENTITLEMENT_NOT_FOUND)",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    @ApiResponse(
            responseCode = "409",
            description = "The entitlement had no usage policy at `at` (NO_USAGE_TRACKING)",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    Explanation explain(
            @PathVariable String userId,
            @PathVariable String entitlementKey,
            @Parameter(
                            description = "the instant whose window to explain, an ISO-8601 instant; default now",
                            example = "2025-01-01T00:00:00Z")
                    @RequestParam(required = false)
                    Instant at) {
        return explanations.explain(EntitlementId.of(userId, entitlementKey), at);
    }
}
