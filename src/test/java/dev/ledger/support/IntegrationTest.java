package dev.ledger.support;

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
 * A full application on a real Postgres (see {@link TestDatabase}), served on a random port, in the local profile
 * (names, emulator credentials and the development tokens). Test classes that use this annotation share one Spring
 * context and one database, so they use their own user ids.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@AutoConfigureObservability
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ContextConfiguration(initializers = SharedDatabaseInitializer.class)
@ActiveProfiles(LocalLedgerApplication.PROFILE)
@Import(AdminClient.class)
public @interface IntegrationTest {}
