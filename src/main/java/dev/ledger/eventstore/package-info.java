/** Axon on Postgres without Axon Server: serializers (Jackson only), correlation data, bytea storage, error handling. */
package dev.ledger.eventstore;
