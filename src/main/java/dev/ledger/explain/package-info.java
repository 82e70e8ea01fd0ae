/**
 * "Why is this balance X?": the events that make up the count of the window that contains an instant, folded from the
 * event store by the aggregate's own rules, with the window's rejections and, for the current window, the DynamoDB
 * item.
 */
package dev.ledger.explain;
