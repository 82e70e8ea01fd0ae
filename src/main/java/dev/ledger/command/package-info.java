/**
 * The command side of entitlements, in one place: the command façade ({@link dev.ledger.command.Ledger}), the
 * lock-and-dedup step that runs before an entitlement loads ({@link dev.ledger.command.EntitlementLock}), the state row
 * and dedup record written in the command's transaction ({@link dev.ledger.command.EntitlementStateProjector}) and read
 * by the HTTP API ({@link dev.ledger.command.EntitlementStates}), the aggregate cache, snapshots and command retries
 * ({@link dev.ledger.command.CommandConfiguration}). The aggregate itself lives in the pure domain package
 * {@code dev.ledger.entitlement}.
 */
package dev.ledger.command;
