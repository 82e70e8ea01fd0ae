/**
 * The domain core: the event-sourced {@code Entitlement} aggregate, its commands and events, and the period arithmetic.
 * Plain Java plus Axon's modelling annotations; no Spring, AWS or persistence imports (checked by {@code ArchitectureTest}).
 */
package dev.ledger.entitlement;
