/**
 * The current state of every entitlement in Postgres, kept in the same transaction as the events by a subscribing
 * processor, for the HTTP read API. Readers apply the lazy period reset at read time.
 */
package dev.ledger.state;
