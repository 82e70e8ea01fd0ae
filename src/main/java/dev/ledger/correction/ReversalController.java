package dev.ledger.correction;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledger.audit.AuditTrail;
import dev.ledger.command.Reversals;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.InvalidInput;
import dev.ledger.entitlement.Reason;
import dev.ledger.entitlement.Reversal;
import dev.ledger.security.Audit;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.security.Principal;
import java.time.Instant;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Reverses counted usage: appends a {@code UsageReversed} linked to the original, never deletes (ADMIN). */
@RestController
@RequestMapping("/api/v1")
class ReversalController {

    private final Reversals reversals;

    ReversalController(Reversals reversals) {
        this.reversals = reversals;
    }

    /**
     * @param dedupKey the key the usage was counted under: its idempotencyKey, or its SQS message id when it had none
     * @param amount   how much to reverse, an integer >= 1; absent: all that is left unreversed of it
     * @param reason   why, 1 to 500 characters; kept in the event and the history
     */
    record ReversalRequest(
            String dedupKey,

            @Schema(type = "integer", minimum = "1", description = "default: all that is left unreversed")
            JsonNode amount,

            String reason) {}

    /** The answer: the reversal, what is left of the original, the original's window and the current count. */
    record ReversalView(
            String reversalId,
            String userId,
            String entitlementKey,
            String dedupKey,
            long amount,
            long remaining,
            Instant periodStart,
            Instant periodEnd,
            boolean current,
            long used) {

        static ReversalView of(EntitlementId id, Reversal reversal) {
            return new ReversalView(
                    reversal.reversalId(),
                    id.userId(),
                    id.entitlementKey(),
                    reversal.dedupKey(),
                    reversal.amount(),
                    reversal.remaining(),
                    reversal.periodStart(),
                    reversal.periodEnd(),
                    reversal.current(),
                    reversal.used());
        }
    }

    @PostMapping("/entitlements/{userId}/{entitlementKey}/reversals")
    @Operation(
            summary = "Reverse counted usage",
            description = "Appends a UsageReversed that links to the usage counted under dedupKey; nothing is deleted. "
                    + "If that usage is in the current window, `used` drops by the amount (and the DynamoDB item "
                    + "follows); otherwise the current count is unchanged and the earlier window's total drops. Works "
                    + "on inactive entitlements too. With an Idempotency-Key, a repeat of the same request answers "
                    + "200 with the first answer and writes nothing.")
    @ApiResponse(responseCode = "201", description = "Reversed")
    @ApiResponse(
            responseCode = "200",
            description = "A dry run (nothing written), or a repeat of a request with the same Idempotency-Key")
    @ApiResponse(
            responseCode = "400",
            description = "REASON_REQUIRED (reason missing, blank or over 500 characters), INVALID_AMOUNT (not an "
                    + "integer >= 1), INVALID_DEDUP_KEY, INVALID_IDEMPOTENCY_KEY, MISSING_BODY, UNKNOWN_FIELD, "
                    + "MALFORMED_JSON",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    @ApiResponse(
            responseCode = "404",
            description = "USAGE_NOT_FOUND (the key was never counted on this entitlement), ENTITLEMENT_NOT_FOUND",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    @ApiResponse(
            responseCode = "409",
            description = "REVERSAL_EXCEEDS_ORIGINAL: more than remains unreversed of the usage",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    @ApiResponse(
            responseCode = "422",
            description = "IDEMPOTENCY_KEY_REUSED: the key was first used with a different request",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    ResponseEntity<ReversalView> reverse(
            @PathVariable String userId,
            @PathVariable String entitlementKey,
            @RequestBody(required = false) ReversalRequest request,
            @Parameter(description = "true: answer what the reversal would do, write nothing")
                    @RequestParam(defaultValue = "false")
                    boolean dryRun,
            @Parameter(
                            description =
                                    "makes the request happen once: a repeat with the same body answers the first "
                                            + "answer; 1 to 255 characters")
                    @RequestHeader(name = "Idempotency-Key", required = false)
                    String idempotencyKey,
            Principal caller) {
        EntitlementId id = EntitlementId.of(userId, entitlementKey);
        if (request == null) {
            throw new InvalidInput(
                    "MISSING_BODY", "a JSON body {\"dedupKey\":…, \"amount\":…, \"reason\":…} is required");
        }
        String reason = Reason.required(request.reason());
        AuditTrail.target("dedupKey " + request.dedupKey() + (dryRun ? " (dry run)" : ""));
        Reversals.Outcome outcome = reversals.reverse(new Reversals.Request(
                id,
                request.dedupKey(),
                amount(request.amount()),
                reason,
                Audit.caller(caller),
                idempotencyKey,
                dryRun,
                Audit.record(caller, "reversal", id, reason)));
        ReversalView view = ReversalView.of(id, outcome.reversal());
        return ResponseEntity.status(dryRun || outcome.replayed() ? HttpStatus.OK : HttpStatus.CREATED)
                .body(view);
    }

    /** An integer from 1 to {@link ConsumeUsage#MAX_AMOUNT}, or absent; anything else (2.5, "2", 0) is INVALID_AMOUNT. */
    private static Long amount(JsonNode amount) {
        if (amount == null || amount.isNull() || amount.isMissingNode()) {
            return null;
        }
        if (!amount.isIntegralNumber() || !amount.canConvertToLong() || amount.asLong() < 1) {
            throw new InvalidInput(
                    "INVALID_AMOUNT",
                    "amount must be an integer from 1 to " + ConsumeUsage.MAX_AMOUNT + ", got " + amount);
        }
        return amount.asLong();
    }
}
