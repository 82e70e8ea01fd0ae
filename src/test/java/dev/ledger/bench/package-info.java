/**
 * The benchmark harness of issues 7 and 18: ingest through SQS (uniform and hot; the ledger, the seed's Lambda and a
 * single-UpdateItem design each in a JVM of its own, delay measured on the server, CPU from /proc, rounds with the
 * order rotated; and raw ElasticMQ), projection rebuild (against a plain JDBC read), history pages and the usage
 * export (against Postgres COPY), and aggregate load with snapshots (10 events against 100,000). Every figure is
 * measured in the same run as its baseline and reported absolutely and as a ratio, with the machine and the Postgres
 * settings, in {@code target/bench/report.json} and {@code target/bench/report.md}; progress goes to
 * {@code target/bench/bench.log}. It runs on the embedded stack (the test Postgres, ElasticMQ, dynalite), like the
 * integration tests.
 *
 * <p>{@link dev.ledger.bench.LedgerBenchmark} is not matched by Surefire's default includes, so {@code ./mvnw verify}
 * never runs it. Run it with the {@code bench} profile:
 * <pre>
 * ./mvnw -Pbench verify                                  # the sizes of the README's published run: about 40 minutes
 * ./mvnw -Pbench verify -Dbench.scenarios=ingest,rebuild # the published run of issue 18: about 20 minutes
 * ./mvnw -Pbench verify -Dbench.quick=true               # smoke run with small sizes, about 5 minutes
 * ./mvnw -Pbench verify -Dbench.scenarios=ingest,history # some scenarios only
 * ./mvnw -Pbench verify -Dbench.messages=20000 -Dbench.rebuildEvents=200000
 * ./mvnw -Pbench verify -Dbench.scenarios=ingest -Dbench.repetitions=1   # one round: a quick comparison
 * </pre>
 * Sizes ({@code -Dbench.*}, defaults, quick defaults): {@code messages} 10,000 (1,000), {@code hotMessages} half of
 * {@code messages} (as many), {@code entitlements} 10,000 (1,000), {@code pacedSeconds} 15 (5), {@code pacedLoad} 0.5,
 * {@code producerThreads} 2, {@code baselineInvocations} 5, {@code ceilingConsumers} 4, {@code stallSeconds} 300
 * (60), {@code repetitions} 3 (1), {@code warmUpMessages} 5,000 (500), {@code consumerHeap} 512m, {@code profile}
 * true (false), {@code ledgerProperties} none (e.g. {@code axon.metrics.auto-configuration.enabled=true} to measure a
 * setting), {@code rebuildEvents} 1,000,000 (20,000), {@code rebuildEntitlements} 10,000 (1,000),
 * {@code historyEvents} 100,000 (6,000), {@code exportRows} 1,000,000 (20,000), {@code historySamples} 200 (30),
 * {@code serviceHeap} 256m, {@code aggregateEvents} 100,000 (5,000), {@code aggregateCommands} 300 (50);
 * {@code output} target/bench. See
 * {@link dev.ledger.bench.BenchSettings}.
 *
 * <p>The test asserts soundness, never time: every message counted exactly once, every rebuilt item right, every page
 * and export complete. Each scenario's method is described in the report itself.
 */
package dev.ledger.bench;
