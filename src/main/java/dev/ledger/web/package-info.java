/**
 * The HTTP API under {@code /api/v1}: requests become commands through {@code Ledger}; reads come from the entitlement
 * state table. Every error is an RFC 9457 problem detail with a stable {@code code}.
 */
package dev.ledger.web;
