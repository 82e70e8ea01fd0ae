package dev.ledger.admin;

import dev.ledger.entitlement.InvalidInput;
import dev.ledger.projection.Projection;
import dev.ledger.projection.ProjectionStatus;
import dev.ledger.projection.Rebuilds;
import dev.ledger.projection.dynamodb.DriftCheck;
import dev.ledger.security.Audit;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Status, rebuild and drift of the projections. */
@RestController
@RequestMapping("/api/v1/admin/projections")
class ProjectionController {

    private final ProjectionStatus status;
    private final Rebuilds rebuilds;
    private final DriftCheck drift;

    ProjectionController(ProjectionStatus status, Rebuilds rebuilds, DriftCheck drift) {
        this.status = status;
        this.rebuilds = rebuilds;
        this.drift = drift;
    }

    record Statuses(List<ProjectionStatus.Status> projections) {}

    record RebuildStarted(String projection, String processor, long generation, String status) {}

    @GetMapping
    Statuses all() {
        return new Statuses(status.all());
    }

    @PostMapping("/{projection}/rebuild")
    ResponseEntity<RebuildStarted> rebuild(
            @Parameter(schema = @Schema(allowableValues = {"dynamodb", "history"})) @PathVariable String projection,
            Principal caller) {
        Projection target = Projection.named(projection);
        Audit.record(caller, "rebuild", target.processor());
        long generation = rebuilds.rebuild(target, Audit.caller(caller), Duration.ofSeconds(60));
        return ResponseEntity.status(HttpStatus.ACCEPTED)
                .body(new RebuildStarted(
                        target.publicName(),
                        target.processor(),
                        generation,
                        (rebuilds.inOnePass(target) ? "rebuilding in one pass over the event store" : "replaying")
                                + "; follow GET /api/v1/admin/projections"));
    }

    @GetMapping("/{projection}/drift")
    DriftCheck.Report drift(
            @Parameter(schema = @Schema(allowableValues = {"dynamodb"})) @PathVariable String projection,
            @Parameter(description = "differences listed at most")
                    @RequestParam(defaultValue = "1000")
                    @Min(1)
                    @Max(10_000)
                    int limit) {
        if (Projection.named(projection) != Projection.DYNAMODB) {
            throw new InvalidInput("DRIFT_NOT_SUPPORTED", "drift is checked for the dynamodb projection only");
        }
        return drift.run(limit);
    }
}
