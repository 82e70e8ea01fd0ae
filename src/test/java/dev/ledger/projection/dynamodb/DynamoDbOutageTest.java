package dev.ledger.projection.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ledger.command.Ledger;
import dev.ledger.entitlement.ConsumeUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.GrantEntitlement;
import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.local.LocalDynamoDb;
import dev.ledger.support.LedgerInstances;
import dev.ledger.support.TestDatabase;
import dev.ledger.support.TestDynamoDb;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.context.ConfigurableApplicationContext;

class DynamoDbOutageTest {

    @TempDir
    Path dynamoData;

    @Test
    void with_dynamodb_down_for_20_seconds_nothing_is_skipped_health_degrades_and_the_table_converges()
            throws Exception {
        int port = TestDynamoDb.freePort();
        LocalDynamoDb dynamo = TestDynamoDb.start(port, dynamoData);
        TestDatabase.Database database = TestDatabase.newDatabase();
        try (ConfigurableApplicationContext app = LedgerInstances.start(
                database,
                "ledger.environment=outage",
                "spring.cloud.aws.dynamodb.endpoint=http://127.0.0.1:" + port,
                "ledger.projections.degraded-lag=5s")) {
            Ledger ledger = app.getBean(Ledger.class);
            EntitlementTable table = app.getBean(EntitlementTable.class);
            HealthEndpoint health = app.getBean(HealthEndpoint.class);
            EntitlementId id = EntitlementId.of("outage-user", "AI_TUTOR_ACCESS");
            ledger.send(
                    id,
                    new GrantEntitlement(
                            id, true, new UsagePolicy(1_000_000, Period.NONE, null, OverLimit.REJECT), Instant.now()),
                    Map.of());
            ledger.consume(new ConsumeUsage(id, 5, Instant.now(), "before", Map.of(), null));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> TableItems.get(table, id.userId(), id.entitlementKey())
                            .map(item -> item.get("usageCount").n().equals("5"))
                            .orElse(false));

            dynamo.close();
            Instant stoppedAt = Instant.now();
            for (int i = 0; i < 20; i++) {
                ledger.consume(new ConsumeUsage(id, 1, Instant.now(), "during-" + i, Map.of(), null));
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> health.health().getStatus().getCode().equals("DEGRADED"));
            Thread.sleep(Math.max(
                    0,
                    Duration.ofSeconds(20)
                            .minus(Duration.between(stoppedAt, Instant.now()))
                            .toMillis()));

            dynamo = TestDynamoDb.start(port, dynamoData);
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> TableItems.get(table, id.userId(), id.entitlementKey())
                            .map(item -> item.get("usageCount").n().equals("25"))
                            .orElse(false));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> health.health().getStatus().getCode().equals("UP"));
            assertThat(app.getBean(DriftCheck.class).run(100).drift()).isEmpty();
        } finally {
            dynamo.close();
        }
    }

    @Test
    void outside_the_local_run_a_missing_table_fails_startup_with_a_clear_message() {
        TestDatabase.Database database = TestDatabase.newDatabase();
        assertThatThrownBy(() -> LedgerInstances.start(
                                database, "ledger.dynamodb.create-table=false", "ledger.dynamodb.table=no-such-table")
                        .close())
                .hasStackTraceContaining("DynamoDB table 'no-such-table' does not exist")
                .hasStackTraceContaining("Terraform");
    }
}
