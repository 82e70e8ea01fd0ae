package dev.ledger.intake;

/**
 * Why a message body can never be counted. {@code userId}, {@code entitlementKey} and {@code dedupKey} are filled in
 * when they could be read, so support can find the rejection by user.
 */
public record InvalidMessage(String code, String detail, String userId, String entitlementKey, String dedupKey) {}
