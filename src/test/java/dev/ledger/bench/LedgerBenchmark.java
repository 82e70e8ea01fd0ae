package dev.ledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledger.support.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The benchmark harness of issue 7 (see {@code package-info.java} for how to run it). Its name does not match the
 * default Surefire includes, so {@code ./mvnw verify} never runs it; the {@code bench} profile names it.
 *
 * <p>It asserts no timing, only that what was measured is sound: every message counted exactly once, every rebuilt
 * item right, every page and export complete. The report is written before those assertions, also when a scenario
 * fails.
 */
@Tag("bench")
class LedgerBenchmark {

    @Test
    void measures_every_scenario_against_a_baseline_from_the_same_run_and_writes_the_report() throws Exception {
        BenchSettings settings = BenchSettings.fromSystemProperties();
        Report report = new Report(settings.output());
        report.parameters(settings.describe());
        report.machine(Machine.describe());
        report.postgres(Machine.postgres(TestDatabase.newDatabase()));
        report.log("benchmark starts: " + settings.describe());
        report.write();

        List<Scenario> scenarios = List.of(
                new IngestScenario(settings),
                new RebuildScenario(settings),
                new HistoryScenario(settings),
                new AggregateScenario(settings));
        for (Scenario scenario : scenarios) {
            if (!settings.runs(scenario.name())) {
                continue;
            }
            report.log("scenario " + scenario.name() + " starts");
            long start = System.nanoTime();
            try {
                scenario.run(report);
                report.check(scenario.name(), "the scenario ran to the end", true, null);
            } catch (Exception | AssertionError failure) {
                failure.printStackTrace(System.out);
                report.check(scenario.name(), "the scenario ran to the end", false, failure.toString());
            }
            report.detail(scenario.name(), "elapsedSeconds", IngestScenario.seconds(System.nanoTime() - start));
            report.write();
        }
        report.write();
        report.log("report written to " + report.directory().toAbsolutePath().resolve("report.md"));

        assertThat(report.figures()).as("figures measured").isNotEmpty();
        assertThat(report.failedChecks())
                .as("sanity checks that failed (details in report.md)")
                .isEmpty();
    }
}
