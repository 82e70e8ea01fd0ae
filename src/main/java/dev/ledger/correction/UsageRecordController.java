package dev.ledger.correction;

import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.InvalidInput;
import dev.ledger.web.Problems;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** "Did my message count?" (READER). */
@RestController
@RequestMapping("/api/v1")
class UsageRecordController {

    private final UsageRecords records;

    UsageRecordController(UsageRecords records) {
        this.records = records;
    }

    @GetMapping("/usage/records/{dedupKey}")
    @Operation(
            summary = "What became of the usage sent under a dedup key",
            description = "The key is the message's idempotencyKey, or its SQS message id when it had none. status: "
                    + "COUNTED, PARTIALLY_REVERSED, REVERSED, REJECTED (business rejections only, not counted) or "
                    + "INVALID (dead-lettered at once). messageIds lists every SQS message id seen with the key; "
                    + "rejections every rejected or invalid receive. position is null for the moment the history "
                    + "has not reached a just-counted usage.")
    @ApiResponse(responseCode = "200", description = "The record")
    @ApiResponse(
            responseCode = "404",
            description = "USAGE_NOT_FOUND: the ledger has never seen the key",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    @ApiResponse(
            responseCode = "409",
            description = "AMBIGUOUS_DEDUP_KEY: the key was counted on several entitlements (listed in "
                    + "`entitlements`); name one with userId and entitlementKey",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    UsageRecord record(
            @PathVariable String dedupKey,
            @Parameter(description = "with entitlementKey: the entitlement, when the key was counted on several")
                    @RequestParam(required = false)
                    String userId,
            @Parameter(description = "with userId: the entitlement, when the key was counted on several")
                    @RequestParam(required = false)
                    String entitlementKey) {
        if ((userId == null) != (entitlementKey == null)) {
            throw new InvalidInput(
                    "INVALID_ENTITLEMENT", "userId and entitlementKey go together: give both or neither");
        }
        return records.find(dedupKey, userId == null ? null : EntitlementId.of(userId, entitlementKey));
    }

    @ExceptionHandler(AmbiguousDedupKey.class)
    ResponseEntity<ProblemDetail> ambiguous(AmbiguousDedupKey ambiguous) {
        ProblemDetail problem = Problems.of(HttpStatus.CONFLICT, "AMBIGUOUS_DEDUP_KEY", ambiguous.getMessage());
        problem.setProperty("entitlements", ambiguous.entitlements());
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
    }
}
