/**
 * The admin audit trail (adr/0021): one append-only Postgres row per admin request, whatever its outcome, with the
 * caller, role, action, target, reason, request id and status; and the endpoint that reads it back.
 */
package dev.ledger.audit;
