/** Read models built from the event store by streaming processors, and the tools to rebuild and check them. */
package dev.ledger.projection;
