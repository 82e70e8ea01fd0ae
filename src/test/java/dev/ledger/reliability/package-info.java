/**
 * Fault injection: the service runs as separate processes against the embedded stack while the suite kills it,
 * and every scenario ends with an exact reconciliation of what was sent against the event store, the history and the
 * DynamoDB table. Run with {@code ./mvnw -Preliability verify}; not part of the default build.
 */
package dev.ledger.reliability;
