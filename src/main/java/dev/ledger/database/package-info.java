/**
 * How the service reaches its Postgres database in AWS (adr/0019): as a user of its own that owns the schema, without
 * a password ({@link dev.ledger.database.RdsIamAuthentication}, RDS IAM database authentication), after the
 * {@link dev.ledger.database.DatabaseBootstrap} has created that user with the admin credentials.
 */
package dev.ledger.database;
