package dev.ledger.admin;

import dev.ledger.entitlement.InvalidInput;
import dev.ledger.intake.DeadLetterQueue;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

    record DeadLetterList(int count, List<DeadLetterQueue.DeadLetter> messages) {
    }

    record RedriveRequest(List<String> messageIds) {
    }

    record RedriveResult(int moved, List<String> notFound) {
    }

    @GetMapping
    DeadLetterList list(@Parameter(description = "dead letters listed at most", schema = @Schema(type = "integer",
            minimum = "1", maximum = "" + MAX_LIMIT, defaultValue = "100")) @RequestParam(defaultValue = "100") int limit) {
        requireLimit(limit);
        List<DeadLetterQueue.DeadLetter> messages = deadLetters.list(limit);
        return new DeadLetterList(messages.size(), messages);
    }

    /** Body {@code {"messageIds":[…]}} moves those; no body, or no {@code messageIds}, moves all. */
    @PostMapping("/redrive")
    RedriveResult redrive(@RequestBody(required = false) RedriveRequest request,
                          @Parameter(description = "dead letters moved at most", schema = @Schema(type = "integer",
                                  minimum = "1", maximum = "" + MAX_LIMIT, defaultValue = "1000"))
                          @RequestParam(defaultValue = "1000") int limit, java.security.Principal caller) {
        requireLimit(limit);
        Set<String> ids = null;
        if (request != null && request.messageIds() != null) {
            if (request.messageIds().isEmpty() || request.messageIds().stream().anyMatch(id -> id == null || id.isBlank())) {
                throw new InvalidInput("INVALID_MESSAGE_IDS", "messageIds must be a non-empty list of message ids; "
                        + "omit it to redrive all dead letters");
            }
            ids = new HashSet<>(request.messageIds());
        }
        dev.ledger.security.Audit.record(caller, "redrive-dead-letters", ids == null ? "all" : ids.toString());
        DeadLetterQueue.Redrive result = deadLetters.redrive(ids, limit);
        return new RedriveResult(result.moved(), result.notFound());
    }

    private static void requireLimit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidInput("INVALID_LIMIT", "limit must be from 1 to " + MAX_LIMIT + ", got " + limit);
        }
    }
}
