package dev.ledger.bench;

/** One scenario of issue 7: measures its figures and their baselines, records them and its sanity checks. */
interface Scenario {

    /** The name in {@code bench.scenarios} and in the report. */
    String name();

    void run(Report report) throws Exception;
}
