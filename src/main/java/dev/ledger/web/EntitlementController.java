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
import dev.ledger.entitlement.ResetPeriod;
import dev.ledger.security.Audit;
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
                id,
                new GrantEntitlement(id, active, usage, clock.instant()),
                Audit.record(caller, "grant", id.toString()));
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
                Audit.record(caller, "change-usage", id.toString()));
        return read(id);
    }

    @PostMapping("/entitlements/{userId}/{entitlementKey}/deactivate")
    EntitlementView deactivate(@PathVariable String userId, @PathVariable String entitlementKey, Principal caller) {
        EntitlementId id = EntitlementId.of(userId, entitlementKey);
        ledger.send(
                id, new DeactivateEntitlement(id, clock.instant()), Audit.record(caller, "deactivate", id.toString()));
        return read(id);
    }

    @PostMapping("/entitlements/{userId}/{entitlementKey}/activate")
    EntitlementView activate(@PathVariable String userId, @PathVariable String entitlementKey, Principal caller) {
        EntitlementId id = EntitlementId.of(userId, entitlementKey);
        ledger.send(id, new ActivateEntitlement(id, clock.instant()), Audit.record(caller, "activate", id.toString()));
        return read(id);
    }

    @PostMapping("/entitlements/{userId}/{entitlementKey}/reset")
    EntitlementView reset(@PathVariable String userId, @PathVariable String entitlementKey, Principal caller) {
        EntitlementId id = EntitlementId.of(userId, entitlementKey);
        ledger.send(id, new ResetPeriod(id, clock.instant()), Audit.record(caller, "reset", id.toString()));
        return read(id);
    }

    private EntitlementView read(EntitlementId id) {
        return states.find(id)
                .map(state -> EntitlementView.of(state.asOf(clock.instant())))
                .orElseThrow(() -> EntitlementRejection.notFound(id));
    }
}
