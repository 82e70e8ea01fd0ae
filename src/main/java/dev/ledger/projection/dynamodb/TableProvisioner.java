package dev.ledger.projection.dynamodb;

import dev.ledger.startup.StartupStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Before any processor starts: creates the entitlements table when {@code ledger.dynamodb.create-table} is set (local
 * run, tests), otherwise checks that it exists and fails startup with a clear message if it does not.
 */
@Component
class TableProvisioner extends StartupStep {

    private static final Logger log = LoggerFactory.getLogger(TableProvisioner.class);

    private final EntitlementTable table;
    private final DynamoDbSettings settings;

    private final JdbcTemplate jdbc;

    TableProvisioner(EntitlementTable table, DynamoDbSettings settings, JdbcTemplate jdbc) {
        this.table = table;
        this.settings = settings;
        this.jdbc = jdbc;
    }

    /**
     * A table created here is empty (the local dynalite keeps its data in memory): the processor's tokens are dropped
     * so that it replays every event into it when it starts.
     */
    @Override
    protected void run() {
        if (table.ensureExists(settings.createTable())) {
            int dropped = jdbc.update(
                    "DELETE FROM token_entry WHERE processor_name = ?", EntitlementTableProjector.PROCESSOR);
            if (dropped > 0) {
                log.info(
                        "Table {} was created empty: {} will replay all events into it",
                        table.name(),
                        EntitlementTableProjector.PROCESSOR);
            }
        }
    }
}
