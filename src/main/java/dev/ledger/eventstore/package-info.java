/** Axon on Postgres without Axon Server: the event store wiring, serializers, snapshots, command retries and dedup keys. */
package dev.ledger.eventstore;
