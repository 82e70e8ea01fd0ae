package dev.ledger.importing;

import dev.ledger.entitlement.InvalidInput;
import dev.ledger.security.Audit;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.security.Principal;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Starts an import of an existing entitlements table and follows it (ADMIN, like all of {@code /api/v1/admin}). */
@RestController
@RequestMapping("/api/v1/admin/imports")
class ImportController {

    private final TableImports imports;

    ImportController(TableImports imports) {
        this.imports = imports;
    }

    /** {@code table}: the DynamoDB table to import; {@code dryRun}: count only, change nothing (default false). */
    record ImportRequest(String table, Boolean dryRun) {}

    record ImportStarted(UUID id) {}

    @PostMapping
    @Operation(
            summary = "Import an existing entitlements table",
            description = "Scans the table and imports every valid item as an entitlement with its opening balance; "
                    + "entitlements the ledger already has are skipped. Runs in the background: follow it with "
                    + "GET /api/v1/admin/imports/{id}.")
    @ApiResponse(responseCode = "202", description = "The import started")
    @ApiResponse(
            responseCode = "400",
            description = "No body, or table missing or not a table name "
                    + "(MALFORMED_JSON, MISSING_TABLE, INVALID_TABLE, UNKNOWN_FIELD)",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    @ApiResponse(
            responseCode = "404",
            description = "The table does not exist (TABLE_NOT_FOUND)",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    @ApiResponse(
            responseCode = "409",
            description = "Another import is running (IMPORT_RUNNING)",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    ResponseEntity<ImportStarted> start(@RequestBody(required = false) ImportRequest request, Principal caller) {
        if (request == null) {
            throw new InvalidInput("MISSING_TABLE", "a JSON body {\"table\": NAME, \"dryRun\": false} is required");
        }
        boolean dryRun = Boolean.TRUE.equals(request.dryRun());
        Audit.record(caller, "import", request.table() == null ? null : request.table() + (dryRun ? " (dry run)" : ""));
        ImportStatus started = imports.startInBackground(request.table(), dryRun, Audit.caller(caller));
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(new ImportStarted(started.id()));
    }

    @GetMapping("/{id}")
    @Operation(
            summary = "Follow an import",
            description = "Its state (RUNNING, DONE, FAILED), counts and the first "
                    + "100 invalid items. A run whose process died reads as FAILED once its heartbeat is older than "
                    + "ledger.import.heartbeat-timeout.")
    @ApiResponse(responseCode = "200", description = "The import")
    @ApiResponse(
            responseCode = "404",
            description = "No such import (IMPORT_NOT_FOUND)",
            content =
                    @Content(
                            mediaType = "application/problem+json",
                            schema = @Schema(ref = "#/components/schemas/Problem")))
    ImportStatus status(@PathVariable String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException notAnId) {
            throw new ImportRefused(HttpStatus.NOT_FOUND, "IMPORT_NOT_FOUND", "there is no import " + id);
        }
        return imports.status(uuid);
    }
}
