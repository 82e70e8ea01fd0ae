/**
 * The shared DynamoDB entitlements table: a pooled streaming processor ({@code entitlement-table}) writes one item per
 * entitlement with conditional, generation-and-version guarded writes, coalesced per batch; plus drift detection.
 */
package dev.ledger.projection.dynamodb;
