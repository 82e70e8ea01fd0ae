package dev.ledger.admin;

import dev.ledger.intake.DeadLetterQueue;
import dev.ledger.security.Audit;
import io.swagger.v3.oas.annotations.Parameter;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.security.Principal;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Lists the usage DLQ without consuming it, and redrives messages to the usage queue after the cause is fixed. */
@RestController
@RequestMapping("/api/v1/admin/dead-letters")
class DeadLetterController {

    static final int MAX_LIMIT = 1000;

    private final DeadLetterQueue deadLetters;

    DeadLetterController(DeadLetterQueue deadLetters) {
        this.deadLetters = deadLetters;
    }

    record DeadLetterList(int count, List<DeadLetterQueue.DeadLetter> messages) {}

    /** {@code messageIds} absent moves all; present, it names at least one message. */
    record RedriveRequest(
            @Size(
                    min = 1,
                    message = "must be a non-empty list of message ids; omit it to redrive all " + "dead letters")
            List<@NotBlank String> messageIds) {}

    record RedriveResult(int moved, List<String> notFound) {}

    @GetMapping
    DeadLetterList list(
            @Parameter(description = "dead letters listed at most")
                    @RequestParam(defaultValue = "100")
                    @Min(1)
                    @Max(MAX_LIMIT)
                    int limit) {
        List<DeadLetterQueue.DeadLetter> messages = deadLetters.list(limit);
        return new DeadLetterList(messages.size(), messages);
    }

    /** Body {@code {"messageIds":[…]}} moves those; no body, or no {@code messageIds}, moves all. */
    @PostMapping("/redrive")
    RedriveResult redrive(
            @Parameter(description = "dead letters moved at most")
                    @RequestParam(defaultValue = "1000")
                    @Min(1)
                    @Max(MAX_LIMIT)
                    int limit,
            @RequestBody(required = false) @Valid RedriveRequest request,
            Principal caller) {
        Set<String> ids = request == null || request.messageIds() == null ? null : new HashSet<>(request.messageIds());
        Audit.record(caller, "redrive", ids == null ? "all" : "messageIds " + new TreeSet<>(ids));
        DeadLetterQueue.Redrive result = deadLetters.redrive(ids, limit);
        return new RedriveResult(result.moved(), result.notFound());
    }
}
