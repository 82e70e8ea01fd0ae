package dev.ledger.web;

/** Body of {@code POST /api/v1/entitlements}. {@code active} defaults to true; {@code usage} may be null or absent. */
public record GrantRequest(String userId, String entitlementKey, Boolean active, UsageRequest usage) {}
