package dev.ledger.projection.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.InvalidInput;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** Usage history for support and the usage export for billing. */
@RestController
@RequestMapping("/api/v1")
class HistoryController {

    static final int MAX_LIMIT = 1000;
    static final int DEFAULT_LIMIT = 100;
    static final String CSV_HEADER = "userId,entitlementKey,occurredAt,recordedAt,amount,periodStart,periodEnd,late,"
            + "idempotencyKey,messageId,metadata,type,reversalOf";

    private static final String FROM = "entries with recordedAt >= from, an ISO-8601 instant";
    private static final String TO = "entries with recordedAt < to, an ISO-8601 instant";
    private static final String TYPES =
            "comma-separated subset of EntitlementGranted, EntitlementImported, UsagePolicyChanged, "
                    + "EntitlementActivated, EntitlementDeactivated, PeriodReset, UsageConsumed, UsageReversed, UsageRejected";
    private static final String LIMIT = "entries per page";
    private static final String CURSOR = "the previous page's nextCursor";

    private final UsageHistory history;
    private final ObjectMapper json;

    HistoryController(UsageHistory history, ObjectMapper json) {
        this.history = history;
        this.json = json;
    }

    /** The query of both history endpoints, bound and validated by Spring. */
    record HistoryQuery(
            @Parameter(description = FROM) Instant from,
            @Parameter(description = TO) Instant to,

            @Parameter(description = TYPES, example = "UsageConsumed,UsageRejected")
            String types,

            @Parameter(
                    description = LIMIT,
                    schema = @Schema(type = "integer", minimum = "1", maximum = "1000", defaultValue = "100"))
            @Min(1)
            @Max(MAX_LIMIT)
            Integer limit,

            @Parameter(description = CURSOR) String cursor) {}

    @GetMapping("/entitlements/{userId}/{entitlementKey}/history")
    UsageHistory.Page entitlementHistory(
            @PathVariable String userId,
            @PathVariable String entitlementKey,
            @ParameterObject @Valid HistoryQuery query) {
        EntitlementId id = EntitlementId.of(userId, entitlementKey);
        return page(id.userId(), id.entitlementKey(), query);
    }

    @GetMapping("/users/{userId}/history")
    UsageHistory.Page userHistory(@PathVariable String userId, @ParameterObject @Valid HistoryQuery query) {
        EntitlementId.requireValidUserId(userId);
        return page(userId, null, query);
    }

    @GetMapping("/usage/export")
    ResponseEntity<StreamingResponseBody> export(
            @Parameter(description = "rows with (by) >= from, an ISO-8601 instant") @RequestParam Instant from,
            @Parameter(description = "rows with (by) < to, an ISO-8601 instant") @RequestParam Instant to,
            @Parameter(
                            description = "the time the range applies to: occurredAt (when the usage happened; a "
                                    + "reversal takes its original's) or recordedAt (when the row was recorded)",
                            schema =
                                    @Schema(
                                            allowableValues = {"occurredAt", "recordedAt"},
                                            defaultValue = "occurredAt"))
                    @RequestParam(defaultValue = "occurredAt")
                    @Pattern(regexp = "occurredAt|recordedAt", message = "must be occurredAt or recordedAt")
                    String by,
            @Parameter(
                            schema =
                                    @Schema(
                                            allowableValues = {"csv", "ndjson"},
                                            defaultValue = "csv"))
                    @RequestParam(defaultValue = "csv")
                    @Pattern(regexp = "csv|ndjson", message = "must be csv or ndjson")
                    String format) {
        requireOrder(from, to);
        boolean csv = format.equals("csv");
        StreamingResponseBody body = out -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
            if (csv) {
                writer.write(CSV_HEADER);
                writer.write("\r\n");
            }
            history.export(from, to, UsageHistory.By.valueOf(by), row -> {
                try {
                    if (csv) {
                        Csv.row(
                                writer,
                                row.userId(),
                                row.entitlementKey(),
                                str(row.occurredAt()),
                                str(row.recordedAt()),
                                Long.toString(row.amount()),
                                str(row.periodStart()),
                                str(row.periodEnd()),
                                Boolean.toString(row.late()),
                                row.idempotencyKey(),
                                row.messageId(),
                                row.metadata(),
                                row.type(),
                                row.reversalOf());
                    } else {
                        writer.write(json.writeValueAsString(row));
                        writer.write('\n');
                    }
                } catch (java.io.IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            writer.flush();
        };
        String filename = "usage-" + from + "-" + to + (csv ? ".csv" : ".ndjson");
        return ResponseEntity.ok()
                .contentType(
                        csv
                                ? new MediaType("text", "csv", StandardCharsets.UTF_8)
                                : new MediaType("application", "x-ndjson"))
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + filename.replace(':', '-') + "\"")
                .body(body);
    }

    private UsageHistory.Page page(String userId, String key, HistoryQuery query) {
        if (query.from() != null && query.to() != null) {
            requireOrder(query.from(), query.to());
        }
        return history.page(new UsageHistory.Query(
                userId,
                key,
                query.from(),
                query.to(),
                types(query.types()),
                query.limit() == null ? DEFAULT_LIMIT : query.limit(),
                query.cursor() == null || query.cursor().isBlank() ? null : query.cursor()));
    }

    private static Set<String> types(String types) {
        if (types == null || types.isBlank()) {
            return null;
        }
        Set<String> parsed = new LinkedHashSet<>(Arrays.asList(types.split(",")));
        for (String type : parsed) {
            if (!UsageHistory.TYPES.contains(type)) {
                throw new InvalidInput(
                        "UNKNOWN_TYPE",
                        "unknown type '" + type + "'; known types: "
                                + UsageHistory.TYPES.stream().sorted().toList());
            }
        }
        return parsed;
    }

    private static void requireOrder(Instant from, Instant to) {
        if (from.isAfter(to)) {
            throw new InvalidInput("INVALID_RANGE", "from " + from + " is after to " + to);
        }
    }

    private static String str(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
