/**
 * Startup: the deployment's identity ({@link dev.ledger.startup.LedgerSettings}), checks of a deployment's
 * configuration (a service that lacks a required setting stops before anything starts, with one message naming every
 * missing setting), and {@link dev.ledger.startup.StartupStep}, the base of the work that runs once before the
 * listeners and processors start. It depends on no other feature package.
 */
package dev.ledger.startup;
