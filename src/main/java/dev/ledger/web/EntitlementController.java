package dev.ledger.web;

import dev.ledger.command.EntitlementStates;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ActivateEntitlement;
import dev.ledger.entitlement.ChangeUsagePolicy;
import dev.ledger.entitlement.DeactivateEntitlement;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.InvalidInput;
import dev.ledger.entitlement.Reason;
import dev.ledger.entitlement.ResetPeriod;
import dev.ledger.security.Audit;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.security.Principal;
import java.time.Clock;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Grant, change and read entitlements. Every change is a command; the response is the state after it. */
@RestController
@RequestMapping("/api/v1")
class EntitlementController {

    private final Ledger ledger;
    private final EntitlementStates states;
    private final Clock clock;

    /** Why an admin changes an entitlement: required for a reset, optional for (de)activation; audited. */
    record ReasonRequest(
            @Schema(description = "1–500 characters, not blank", maxLength = 500)
            String reason) {}

    EntitlementController(Ledger ledger, EntitlementStates states, Clock clock) {
        this.ledger = ledger;
        this.states = states;
        this.clock = clock;
    }

    @PostMapping("/entitlements")
    ResponseEntity<EntitlementView> grant(@RequestBody GrantRequest request, Principal caller) {
        if (request == null) {
            throw new InvalidInput("MISSING_BODY", "a JSON body with userId and entitlementKey is required");
        }
        EntitlementId id = EntitlementId.of(request.userId(), request.entitlementKey());
        boolean active = request.active() == null || request.active();
        var usage = request.usage() == null ? null : request.usage().toPolicy();
        ledger.send(
                id, new GrantEntitlement(id, active, usage, clock.instant()), Audit.record(caller, "grant", id, null));
        return ResponseEntity.status(HttpStatus.CREATED).body(read(id));
    }

    @GetMapping("/entitlements/{userId}/{entitlementKey}")
    EntitlementView get(@PathVariable String userId, @PathVariable String entitlementKey) {
        return read(EntitlementId.of(userId, entitlementKey));
    }

    @GetMapping("/users/{userId}/entitlements")
    List<EntitlementView> list(@PathVariable String userId) {
        EntitlementId.requireValidUserId(userId);
        var now = clock.instant();
        return states.findByUser(userId).stream()
                .map(state -> EntitlementView.of(state.asOf(now)))
                .toList();
    }

    @PutMapping("/entitlements/{userId}/{entitlementKey}/usage")
    EntitlementView changeUsage(
            @PathVariable String userId,
            @PathVariable String entitlementKey,
            @RequestBody(required = false) UsageRequest usage,
            Principal caller) {
        EntitlementId id = EntitlementId.of(userId, entitlementKey);
        ledger.send(
                id,
                new ChangeUsagePolicy(id, usage == null ? null : usage.toPolicy(), clock.instant()),
                Audit.record(caller, "change-usage", id, null));
        return read(id);
    }

    @PostMapping("/entitlements/{userId}/{entitlementKey}/deactivate")
    @Operation(
            summary = "Deactivate an entitlement (idempotent)",
            description = "An optional body {\"reason\":\"…\"} (1–500 characters) goes into the audit trail and "
                    + "the event's metadata.")
    @ApiResponse(responseCode = "200", description = "The state afterwards")
    @ApiResponse(
            responseCode = "400",
            description = "A reason that is blank or over 500 characters (INVALID_REASON), or an invalid path or body",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    EntitlementView deactivate(
            @PathVariable String userId,
            @PathVariable String entitlementKey,
            @RequestBody(required = false) ReasonRequest body,
            Principal caller) {
        EntitlementId id = EntitlementId.of(userId, entitlementKey);
        String reason = Reason.optional(body == null ? null : body.reason());
        ledger.send(id, new DeactivateEntitlement(id, clock.instant()), Audit.record(caller, "deactivate", id, reason));
        return read(id);
    }

    @PostMapping("/entitlements/{userId}/{entitlementKey}/activate")
    @Operation(
            summary = "Activate an entitlement (idempotent)",
            description = "An optional body {\"reason\":\"…\"} (1–500 characters) goes into the audit trail and "
                    + "the event's metadata.")
    @ApiResponse(responseCode = "200", description = "The state afterwards")
    @ApiResponse(
            responseCode = "400",
            description = "A reason that is blank or over 500 characters (INVALID_REASON), or an invalid path or body",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    EntitlementView activate(
            @PathVariable String userId,
            @PathVariable String entitlementKey,
            @RequestBody(required = false) ReasonRequest body,
            Principal caller) {
        EntitlementId id = EntitlementId.of(userId, entitlementKey);
        String reason = Reason.optional(body == null ? null : body.reason());
        ledger.send(id, new ActivateEntitlement(id, clock.instant()), Audit.record(caller, "activate", id, reason));
        return read(id);
    }

    @PostMapping("/entitlements/{userId}/{entitlementKey}/reset")
    @Operation(
            summary = "Reset the current period by hand: the count goes to 0",
            description = "Requires a body {\"reason\":\"…\"} (1–500 characters, not blank), which goes into the "
                    + "audit trail and the event's metadata. Without it nothing changes.")
    @ApiResponse(responseCode = "200", description = "The state afterwards")
    @ApiResponse(
            responseCode = "400",
            description = "No body, no reason, a blank one or one over 500 characters (REASON_REQUIRED), or an "
                    + "invalid path or body",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    EntitlementView reset(
            @PathVariable String userId,
            @PathVariable String entitlementKey,
            @RequestBody(required = false) ReasonRequest body,
            Principal caller) {
        EntitlementId id = EntitlementId.of(userId, entitlementKey);
        String reason = Reason.required(body == null ? null : body.reason());
        ledger.send(id, new ResetPeriod(id, clock.instant()), Audit.record(caller, "reset", id, reason));
        return read(id);
    }

    private EntitlementView read(EntitlementId id) {
        return states.find(id)
                .map(state -> EntitlementView.of(state.asOf(clock.instant())))
                .orElseThrow(() -> EntitlementRejection.notFound(id));
    }
}
