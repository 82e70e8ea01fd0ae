/**
 * Corrections for billing and support (issue 16): reversals of counted usage, which append a {@code UsageReversed}
 * linked to the usage they correct and never delete anything, and the answer to "did my message count?"
 * ({@code GET /api/v1/usage/records/{dedupKey}}).
 */
package dev.ledger.correction;
