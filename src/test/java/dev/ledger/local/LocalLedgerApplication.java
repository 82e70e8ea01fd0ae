package dev.ledger.local;

import dev.ledger.LedgerApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The local run: {@code ./mvnw spring-boot:test-run} (Spring Boot's launcher for a main class on the test classpath)
 * starts the production {@link LedgerApplication} with the {@value #PROFILE} profile, whose settings
 * (application-local.properties) and embedded services live only on the test classpath. Nothing else turns local mode
 * on, so a deployment never falls back to an emulator or to the development tokens.
 */
public final class LocalLedgerApplication {

    public static final String PROFILE = "local";

    private LocalLedgerApplication() {}

    public static void main(String[] args) {
        start(args);
    }

    /** The production main method with the local profile added; also the local run's command-line jobs. */
    public static ConfigurableApplicationContext start(String... args) {
        return SpringApplication.from(LedgerApplication::main)
                .withAdditionalProfiles(PROFILE)
                .run(args)
                .getApplicationContext();
    }
}
