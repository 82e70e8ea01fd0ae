package dev.ledger.projection;

import dev.ledger.local.LocalLedgerApplication;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;

/**
 * A full application with a database, an entitlements table (on a dynalite of its own, see {@link WholeProjection}) and
 * queues of its own, shared through Spring's context cache by the test classes whose assertions cover a whole
 * projection: the drift check and the rebuilds read and rewrite every item or row, and an outage stops the whole
 * DynamoDB. On the {@code IntegrationTest} context they would see, and change, every other class's entitlements, and a
 * rebuild of the history would replay every class's events.
 *
 * <p>The classes that use it run one after another and each leaves both projections as the events say (no drift, the
 * history caught up); they use their own user ids, and count the entitlements of the classes before them where they
 * check the whole table ({@link WholeProjection#entitlements}). The application has two test beans: an upcaster of an
 * old event name ({@link RenamedUsageUpcaster}, for {@code DriftUpcastingTest}) and a bulk rebuild of the history that
 * takes part only while {@code BulkRebuildTest} arms it ({@link ControlledBulk}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@AutoConfigureObservability
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            // small batches, so that a processor that is behind needs several (BulkRebuildTest)
            "axon.eventhandling.processors.entitlement-table.batch-size=10",
            // health turns DEGRADED within seconds of an outage (DynamoDbOutageTest)
            "ledger.projections.degraded-lag=2s"
        })
@ContextConfiguration(initializers = WholeProjection.Initializer.class)
@ActiveProfiles(LocalLedgerApplication.PROFILE)
@Import(WholeProjection.TestBeans.class)
public @interface WholeProjectionTest {}
