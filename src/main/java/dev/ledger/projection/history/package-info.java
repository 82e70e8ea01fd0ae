/**
 * The audit read model for billing and support: {@code usage_history}, one row per event, plus rejections from the
 * worker's log, served newest first with stable cursors, and the streamed usage export.
 */
package dev.ledger.projection.history;
