/** Operator endpoints under {@code /api/v1/admin}: dead letters now, projections in the projection issue. */
package dev.ledger.admin;
