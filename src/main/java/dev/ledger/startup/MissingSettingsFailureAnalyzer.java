package dev.ledger.startup;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns {@link MissingSettingsException} into Spring Boot's "APPLICATION FAILED TO START" report, without a trace. */
class MissingSettingsFailureAnalyzer extends AbstractFailureAnalyzer<MissingSettingsException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingSettingsException cause) {
        return new FailureAnalysis(
                cause.getMessage(),
                "Set each of them, as a property or an environment variable (README, \"Configuration\"). There are no "
                        + "defaults outside the local run: to run on embedded Postgres, SQS and DynamoDB emulators, "
                        + "use ./mvnw spring-boot:test-run.",
                cause);
    }
}
