package dev.ledger.projection.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.Instants;
import dev.ledger.entitlement.InvalidInput;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
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
            + "idempotencyKey,messageId,metadata";

    private static final String FROM = "entries with recordedAt >= from, an ISO-8601 instant";
    private static final String TO = "entries with recordedAt < to, an ISO-8601 instant";
    private static final String TYPES = "comma-separated subset of EntitlementGranted, EntitlementImported, UsagePolicyChanged, "
            + "EntitlementActivated, EntitlementDeactivated, PeriodReset, UsageConsumed, UsageRejected";
    private static final String LIMIT = "entries per page";
    private static final String CURSOR = "the previous page's nextCursor";

    private final UsageHistory history;
    private final ObjectMapper json;

    HistoryController(UsageHistory history, ObjectMapper json) {
        this.history = history;
        this.json = json;
    }

    @GetMapping("/entitlements/{userId}/{entitlementKey}/history")
    UsageHistory.Page entitlementHistory(
            @PathVariable String userId, @PathVariable String entitlementKey,
            @Parameter(description = FROM, schema = @Schema(format = "date-time")) @RequestParam(required = false)
            String from,
            @Parameter(description = TO, schema = @Schema(format = "date-time")) @RequestParam(required = false)
            String to,
            @Parameter(description = TYPES, example = "UsageConsumed,UsageRejected") @RequestParam(required = false)
            String types,
            @Parameter(description = LIMIT, schema = @Schema(type = "integer", minimum = "1", maximum = "1000",
                    defaultValue = "100")) @RequestParam(required = false) String limit,
            @Parameter(description = CURSOR) @RequestParam(required = false) String cursor) {
        EntitlementId id = EntitlementId.of(userId, entitlementKey);
        return page(id.userId(), id.entitlementKey(), from, to, types, limit, cursor);
    }

    @GetMapping("/users/{userId}/history")
    UsageHistory.Page userHistory(
            @PathVariable String userId,
            @Parameter(description = FROM, schema = @Schema(format = "date-time")) @RequestParam(required = false)
            String from,
            @Parameter(description = TO, schema = @Schema(format = "date-time")) @RequestParam(required = false)
            String to,
            @Parameter(description = TYPES, example = "UsageConsumed,UsageRejected") @RequestParam(required = false)
            String types,
            @Parameter(description = LIMIT, schema = @Schema(type = "integer", minimum = "1", maximum = "1000",
                    defaultValue = "100")) @RequestParam(required = false) String limit,
            @Parameter(description = CURSOR) @RequestParam(required = false) String cursor) {
        EntitlementId.requireValidUserId(userId);
        return page(userId, null, from, to, types, limit, cursor);
    }

    @GetMapping("/usage/export")
    ResponseEntity<StreamingResponseBody> export(
            @Parameter(required = true, description = "occurredAt >= from, an ISO-8601 instant",
                    schema = @Schema(type = "string", format = "date-time")) @RequestParam(required = false) String from,
            @Parameter(required = true, description = "occurredAt < to, an ISO-8601 instant",
                    schema = @Schema(type = "string", format = "date-time")) @RequestParam(required = false) String to,
            @Parameter(schema = @Schema(allowableValues = {"csv", "ndjson"}, defaultValue = "csv"))
            @RequestParam(defaultValue = "csv") String format) {
        Instant start = instant("from", from, true);
        Instant end = instant("to", to, true);
        requireOrder(start, end);
        boolean csv = switch (format) {
            case "csv" -> true;
            case "ndjson" -> false;
            default -> throw new InvalidInput("INVALID_FORMAT", "format must be csv or ndjson, got '" + format + "'");
        };
        StreamingResponseBody body = out -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
            if (csv) {
                writer.write(CSV_HEADER);
                writer.write("\r\n");
            }
            history.export(start, end, row -> {
                try {
                    if (csv) {
                        Csv.row(writer, row.userId(), row.entitlementKey(), str(row.occurredAt()),
                                str(row.recordedAt()), Long.toString(row.amount()), str(row.periodStart()),
                                str(row.periodEnd()), Boolean.toString(row.late()), row.idempotencyKey(),
                                row.messageId(), row.metadata());
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
        String filename = "usage-" + start + "-" + end + (csv ? ".csv" : ".ndjson");
        return ResponseEntity.ok()
                .contentType(csv ? new MediaType("text", "csv", StandardCharsets.UTF_8)
                        : new MediaType("application", "x-ndjson"))
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + filename.replace(':', '-') + "\"")
                .body(body);
    }

    private UsageHistory.Page page(String userId, String key, String from, String to, String types, String limit,
                                   String cursor) {
        Instant start = instant("from", from, false);
        Instant end = instant("to", to, false);
        if (start != null && end != null) {
            requireOrder(start, end);
        }
        return history.page(new UsageHistory.Query(userId, key, start, end, types(types), limit(limit),
                cursor == null || cursor.isBlank() ? null : cursor));
    }

    private static Set<String> types(String types) {
        if (types == null || types.isBlank()) {
            return null;
        }
        Set<String> parsed = new LinkedHashSet<>(Arrays.asList(types.split(",")));
        for (String type : parsed) {
            if (!UsageHistory.TYPES.contains(type)) {
                throw new InvalidInput("UNKNOWN_TYPE", "unknown type '" + type + "'; known types: "
                        + UsageHistory.TYPES.stream().sorted().toList());
            }
        }
        return parsed;
    }

    private static int limit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int value = Integer.parseInt(limit);
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the accepted range
        }
        throw new InvalidInput("INVALID_LIMIT", "limit must be an integer from 1 to " + MAX_LIMIT + ", got '" + limit
                + "'");
    }

    private static Instant instant(String name, String value, boolean required) {
        if (value == null || value.isBlank()) {
            if (required) {
                throw new InvalidInput("MISSING_PARAMETER", name + " is required: an ISO-8601 instant such as "
                        + "2025-01-01T00:00:00Z");
            }
            return null;
        }
        return Instants.parse(value).orElseThrow(() -> new InvalidInput("INVALID_TIME", name + " must be an "
                + "ISO-8601 instant from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, such as 2025-01-01T00:00:00Z, got '"
                + value + "'"));
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
