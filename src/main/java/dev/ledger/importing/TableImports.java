package dev.ledger.importing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledger.command.Ledger;
import dev.ledger.entitlement.EntitlementRejection;
import dev.ledger.entitlement.ImportEntitlement;
import dev.ledger.entitlement.InvalidInput;
import dev.ledger.entitlement.RejectionReason;
import dev.ledger.threads.Threads;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * Imports every item of an existing entitlements table as an {@link ImportEntitlement} (adr/0017). The table is read
 * with a parallel Scan; each segment's thread imports its items one command at a time, so {@code ledger.import.segments}
 * commands run at once. An entitlement the ledger already has is counted as {@code skippedExisting} and never changed:
 * a page's items are looked up in {@code entitlement_state} first, and the aggregate refuses to import over an
 * existing entitlement (two imports racing for one entitlement collide on its first sequence number), so a run that
 * was killed can simply be run again. A run is one row of {@code table_import}; its process writes the counts and a
 * heartbeat every second.
 */
@Component
public class TableImports implements DisposableBean {

    static final int MAX_INVALID_ITEMS = 100;
    private static final Logger log = LoggerFactory.getLogger(TableImports.class);
    private static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");
    /** Advisory lock taken while a run is checked and recorded, so that two requests cannot both start one. */
    private static final long START_LOCK = 0x1ed9e7_1400_17L;

    private static final TypeReference<List<ImportStatus.InvalidItem>> INVALID_ITEMS = new TypeReference<>() {};

    private final DynamoDbClient dynamo;
    private final Ledger ledger;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final ImportSettings settings;
    private final Clock clock;
    private final ObjectMapper json;
    /** Runs started over the API, one at a time. */
    private final ThreadPoolTaskExecutor background;

    private final ThreadPoolTaskScheduler heartbeats;
    /** One thread per segment of the Scan, each importing its segment's items. */
    private final ThreadPoolTaskExecutor segments;

    TableImports(
            DynamoDbClient dynamo,
            Ledger ledger,
            JdbcTemplate jdbc,
            TransactionTemplate transactions,
            ImportSettings settings,
            Clock clock,
            ObjectMapper json,
            MeterRegistry meters) {
        this.dynamo = dynamo;
        this.ledger = ledger;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.settings = settings;
        this.clock = clock;
        this.json = json;
        this.background = Threads.pool("table-import", 1, meters);
        this.segments = Threads.pool("table-import-segment", settings.segments(), meters);
        this.heartbeats = Threads.scheduler("table-import-heartbeat", meters);
    }

    /** Records a new run and runs it on a background thread. @return the run as recorded */
    public ImportStatus startInBackground(String table, boolean dryRun, String caller) {
        ImportStatus started = begin(table, dryRun, caller);
        background.execute(() -> run(started.id()));
        return started;
    }

    /**
     * Checks that {@code table} exists and that no other run is going on, and records a new run. It does not run it.
     *
     * @throws ImportRefused {@code TABLE_NOT_FOUND} or {@code IMPORT_RUNNING}
     */
    public ImportStatus begin(String table, boolean dryRun, String caller) {
        if (table == null || table.isBlank()) {
            throw new InvalidInput("MISSING_TABLE", "table is required: the name of the DynamoDB table to import");
        }
        if (!TABLE_NAME.matcher(table).matches()) {
            throw new InvalidInput(
                    "INVALID_TABLE",
                    "table must be a DynamoDB table name (3 to 255 of a-z A-Z 0-9 _ . -), " + "got '" + table + "'");
        }
        try {
            dynamo.describeTable(r -> r.tableName(table));
        } catch (ResourceNotFoundException missing) {
            throw new ImportRefused(
                    HttpStatus.NOT_FOUND,
                    "TABLE_NOT_FOUND",
                    "DynamoDB table '" + table + "' does not exist (or this service may not describe it)");
        } catch (DynamoDbException refused) {
            // in AWS a table the task role may not describe is refused, not missing: the caller sees the same answer
            if (refused.awsErrorDetails() == null
                    || !"AccessDeniedException".equals(refused.awsErrorDetails().errorCode())) {
                throw refused;
            }
            throw new ImportRefused(
                    HttpStatus.NOT_FOUND,
                    "TABLE_NOT_FOUND",
                    "DynamoDB table '" + table
                            + "' may not be described by this service's role (dynamodb:DescribeTable and dynamodb:Scan are "
                            + "needed): " + refused.awsErrorDetails().errorMessage());
        }
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        transactions.executeWithoutResult(tx -> {
            jdbc.queryForList("SELECT 1 FROM pg_advisory_xact_lock(?)", Integer.class, START_LOCK);
            jdbc.update(
                    "UPDATE table_import SET state = 'FAILED', failure = ?, finished_at = heartbeat_at "
                            + "WHERE state = 'RUNNING' AND heartbeat_at < ?",
                    stopped(),
                    ts(now.minus(settings.heartbeatTimeout())));
            List<String> running =
                    jdbc.queryForList("SELECT id::text FROM table_import WHERE state = 'RUNNING'", String.class);
            if (!running.isEmpty()) {
                throw new ImportRefused(
                        HttpStatus.CONFLICT,
                        "IMPORT_RUNNING",
                        "import " + running.get(0)
                                + " is running; follow it at GET /api/v1/admin/imports/" + running.get(0)
                                + " and start another when it has finished");
            }
            jdbc.update(
                    "INSERT INTO table_import (id, table_name, dry_run, state, requested_by, started_at, heartbeat_at) "
                            + "VALUES (?, ?, ?, 'RUNNING', ?, ?, ?)",
                    id,
                    table,
                    dryRun,
                    caller,
                    ts(now),
                    ts(now));
        });
        log.info("Import {} of table {} recorded (dry run: {}, by {})", id, table, dryRun, caller);
        return status(id);
    }

    /** Runs a recorded run in this thread until it is done or fails. @return its final status */
    public ImportStatus run(UUID id) {
        Run run = new Run(status(id));
        ScheduledFuture<?> heartbeat =
                heartbeats.scheduleAtFixedRate(run::report, Instant.now().plusSeconds(1), Duration.ofSeconds(1));
        List<Future<?>> scans = new ArrayList<>();
        long started = System.nanoTime();
        try {
            for (int segment = 0; segment < settings.segments(); segment++) {
                int current = segment;
                scans.add(segments.submit(() -> run.segment(current, settings.segments())));
            }
            for (Future<?> scan : scans) {
                scan.get();
            }
            heartbeat.cancel(false);
            run.finish(ImportStatus.State.DONE, null);
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            log.error("Import {} of table {} failed", id, run.job.table(), cause);
            run.failure.compareAndSet(null, cause);
            heartbeat.cancel(false);
            run.finish(
                    ImportStatus.State.FAILED,
                    "the import stopped: " + cause + "; run it again: what was imported stays, the rest is imported");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            heartbeat.cancel(false);
            run.finish(ImportStatus.State.FAILED, "the import was interrupted; run it again");
        } finally {
            // segments stop at the run's failure by themselves; cancelling also interrupts one that is waiting
            scans.forEach(scan -> scan.cancel(true));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        ImportStatus done = status(id);
        log.info(
                "Import {} of table {} {} in {} s: scanned {}, imported {} ({} items/s), skipped existing {}, "
                        + "invalid {}",
                id,
                done.table(),
                done.state(),
                String.format("%.1f", seconds),
                done.scanned(),
                done.imported(),
                String.format("%.0f", done.imported() / Math.max(seconds, 0.001)),
                done.skippedExisting(),
                done.invalid());
        return done;
    }

    /** @throws ImportRefused {@code IMPORT_NOT_FOUND} */
    public ImportStatus status(UUID id) {
        List<ImportStatus> found = jdbc.query("SELECT * FROM table_import WHERE id = ?", this::row, id);
        if (found.isEmpty()) {
            throw new ImportRefused(HttpStatus.NOT_FOUND, "IMPORT_NOT_FOUND", "there is no import " + id);
        }
        return found.get(0);
    }

    private ImportStatus row(ResultSet rs, int n) throws SQLException {
        ImportStatus.State state = ImportStatus.State.valueOf(rs.getString("state"));
        String failure = rs.getString("failure");
        Instant heartbeat = instant(rs.getTimestamp("heartbeat_at"));
        Instant finished = instant(rs.getTimestamp("finished_at"));
        if (state == ImportStatus.State.RUNNING
                && heartbeat.isBefore(clock.instant().minus(settings.heartbeatTimeout()))) {
            // its process died: nobody will ever finish the row
            state = ImportStatus.State.FAILED;
            failure = stopped();
            finished = heartbeat;
        }
        List<ImportStatus.InvalidItem> invalidItems;
        try {
            invalidItems = json.readValue(rs.getString("invalid_items"), INVALID_ITEMS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("table_import.invalid_items is not a list of items", e);
        }
        return new ImportStatus(
                UUID.fromString(rs.getString("id")),
                rs.getString("table_name"),
                rs.getBoolean("dry_run"),
                state,
                rs.getLong("scanned"),
                rs.getLong("imported"),
                rs.getLong("skipped_existing"),
                rs.getLong("invalid"),
                invalidItems,
                rs.getString("requested_by"),
                instant(rs.getTimestamp("started_at")),
                finished,
                failure);
    }

    private String stopped() {
        return "the importing process stopped without finishing (no heartbeat for " + settings.heartbeatTimeout()
                + "); run the import again: what was imported stays, the rest is imported";
    }

    /** The counts of one run, shared by its segment threads. */
    private final class Run {
        final ImportStatus job;
        final LongAdder scanned = new LongAdder();
        final LongAdder imported = new LongAdder();
        final LongAdder skippedExisting = new LongAdder();
        final LongAdder invalid = new LongAdder();
        final List<ImportStatus.InvalidItem> invalidItems = new ArrayList<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Map<String, String> metaData;

        Run(ImportStatus job) {
            this.job = job;
            this.metaData = Map.of("caller", job.requestedBy(), "action", "import");
        }

        void segment(int segment, int segments) {
            for (var page : dynamo.scanPaginator(
                    r -> r.tableName(job.table()).segment(segment).totalSegments(segments))) {
                if (failure.get() != null) {
                    return;
                }
                importPage(page.items());
            }
        }

        private void importPage(List<Map<String, AttributeValue>> items) {
            scanned.add(items.size());
            List<SourceItem.Valid> valid = new ArrayList<>(items.size());
            for (Map<String, AttributeValue> item : items) {
                SourceItem read = SourceItem.read(item);
                if (read instanceof SourceItem.Valid v) {
                    valid.add(v);
                } else {
                    invalid((SourceItem.Invalid) read);
                }
            }
            Set<String> existing = existing(valid);
            for (SourceItem.Valid item : valid) {
                if (failure.get() != null) {
                    return;
                }
                if (existing.contains(item.id().toString())) {
                    skippedExisting.increment();
                } else if (job.dryRun()) {
                    imported.increment();
                } else {
                    importOne(item);
                }
            }
        }

        private void importOne(SourceItem.Valid item) {
            try {
                ledger.send(
                        item.id(),
                        new ImportEntitlement(
                                item.id(),
                                item.active(),
                                item.usage(),
                                item.used(),
                                item.periodStart(),
                                job.table(),
                                job.requestedBy(),
                                clock.instant()),
                        metaData);
                imported.increment();
            } catch (EntitlementRejection rejection) {
                if (rejection.reason() != RejectionReason.ENTITLEMENT_EXISTS) {
                    throw rejection;
                }
                skippedExisting.increment();
            } catch (InvalidInput invalidInput) {
                invalid(new SourceItem.Invalid(
                        item.id().userId(), item.id().entitlementKey(), invalidInput.getMessage()));
            }
        }

        private Set<String> existing(List<SourceItem.Valid> items) {
            if (items.isEmpty()) {
                return Set.of();
            }
            return new HashSet<>(jdbc.queryForList(
                    "SELECT entitlement_id FROM entitlement_state " + "WHERE entitlement_id = ANY (?)",
                    String.class,
                    (Object) items.stream().map(i -> i.id().toString()).toArray(String[]::new)));
        }

        private void invalid(SourceItem.Invalid item) {
            invalid.increment();
            synchronized (invalidItems) {
                if (invalidItems.size() < MAX_INVALID_ITEMS) {
                    invalidItems.add(new ImportStatus.InvalidItem(item.userId(), item.entitlementKey(), item.reason()));
                }
            }
        }

        /** Writes the counts and the heartbeat; a failing write is logged, the next one tries again. */
        void report() {
            try {
                jdbc.update(
                        "UPDATE table_import SET scanned = ?, imported = ?, skipped_existing = ?, invalid = ?, "
                                + "invalid_items = ?::jsonb, heartbeat_at = ? WHERE id = ? AND state = 'RUNNING'",
                        scanned.sum(),
                        imported.sum(),
                        skippedExisting.sum(),
                        invalid.sum(),
                        invalidItemsJson(),
                        ts(clock.instant()),
                        job.id());
            } catch (RuntimeException e) {
                log.warn("Import {}: writing its progress failed: {}", job.id(), e.toString());
            }
        }

        void finish(ImportStatus.State state, String failureText) {
            Instant now = clock.instant();
            jdbc.update(
                    "UPDATE table_import SET state = ?, scanned = ?, imported = ?, skipped_existing = ?, "
                            + "invalid = ?, invalid_items = ?::jsonb, heartbeat_at = ?, finished_at = ?, failure = ? "
                            + "WHERE id = ?",
                    state.name(),
                    scanned.sum(),
                    imported.sum(),
                    skippedExisting.sum(),
                    invalid.sum(),
                    invalidItemsJson(),
                    ts(now),
                    ts(now),
                    failureText,
                    job.id());
        }

        private String invalidItemsJson() {
            try {
                synchronized (invalidItems) {
                    return json.writeValueAsString(invalidItems);
                }
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static OffsetDateTime ts(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    @Override
    public void destroy() {
        background.destroy();
        segments.destroy();
        heartbeats.destroy();
    }
}
