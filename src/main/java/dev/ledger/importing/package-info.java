/** Importing an existing entitlements table into the ledger, so that the ledger can adopt it (adr/0017). */
package dev.ledger.importing;
