/**
 * The local profile: {@code ./mvnw spring-boot:test-run} starts {@link dev.ledger.local.LocalLedgerApplication}, which
 * runs the production application with real Postgres binaries, ElasticMQ and dynalite on 127.0.0.1 and the development
 * tokens. Test code only: the emulators and this package never reach the production jar (adr/0016).
 */
package dev.ledger.local;
