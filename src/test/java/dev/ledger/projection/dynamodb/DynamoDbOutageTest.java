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
import dev.ledger.local.LocalLedgerApplication;
import dev.ledger.projection.WholeProjection;
import dev.ledger.projection.WholeProjectionTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A DynamoDB outage on the application of {@link WholeProjectionTest}, whose dynalite the test stops and starts again;
 * and the refusal to start without the table.
 */
@WholeProjectionTest
class DynamoDbOutageTest {

    @Autowired
    ConfigurableApplicationContext app;

    /**
     * The outage begins once the item is written and ends once health reports it (the context's degraded lag is 2 s),
     * with usage recorded in between. It is short; the reliability suite (LedgerReliabilityIT) keeps DynamoDB down for
     * 10 to 30 s under load.
     */
    @Test
    void with_dynamodb_down_nothing_is_skipped_health_degrades_and_the_table_converges() {
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

        WholeProjection.stopDynamoDb();
        try {
            for (int i = 0; i < 20; i++) {
                ledger.consume(new ConsumeUsage(id, 1, Instant.now(), "during-" + i, Map.of(), null));
            }
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> health.health().getStatus().getCode().equals("DEGRADED"));
        } finally {
            WholeProjection.startDynamoDb();
        }

        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> TableItems.get(table, id.userId(), id.entitlementKey())
                        .map(item -> item.get("usageCount").n().equals("25"))
                        .orElse(false));
        await().atMost(Duration.ofSeconds(60))
                .until(() -> health.health().getStatus().getCode().equals("UP"));
        assertThat(app.getBean(DriftCheck.class).run(100).drift()).isEmpty();
    }

    /**
     * The check the application runs at startup, before any processor ({@link TableProvisioner}), in an application of
     * its own with only what the check needs: it refuses to start, and the message names the table and Terraform.
     */
    @Test
    void outside_the_local_run_a_missing_table_fails_startup_with_a_clear_message() {
        DynamoDbClient dynamo = app.getBean(DynamoDbClient.class);
        JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
        SpringApplicationBuilder startup = new SpringApplicationBuilder(TableCheck.class)
                .profiles(LocalLedgerApplication.PROFILE)
                .web(WebApplicationType.NONE)
                .initializers(context -> {
                    context.getBeanFactory().registerSingleton("dynamoDbClient", dynamo);
                    context.getBeanFactory().registerSingleton("jdbcTemplate", jdbc);
                });
        assertThatThrownBy(() -> startup.run(
                                "--ledger.dynamodb.create-table=false", "--ledger.dynamodb.table=no-such-table")
                        .close())
                .hasStackTraceContaining("DynamoDB table 'no-such-table' does not exist")
                .hasStackTraceContaining("Terraform");
    }

    /**
     * The table and its startup check, without the rest of the application. Not a {@code @Configuration}: nested in a
     * test class, that would be the configuration of the test's own application.
     */
    @EnableConfigurationProperties(DynamoDbSettings.class)
    @Import({EntitlementTable.class, TableProvisioner.class})
    static class TableCheck {
        @Bean
        Clock clock() {
            return Clock.systemUTC();
        }

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }
}
