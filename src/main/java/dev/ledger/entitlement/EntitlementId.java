package dev.ledger.entitlement;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Identity of an entitlement: a user and an entitlement key. The aggregate identifier is {@code userId#entitlementKey};
 * it is unambiguous because a key can never contain {@code #}, so the last {@code #} always separates the two parts.
 */
public record EntitlementId(String userId, String entitlementKey) {

    public static final int MAX_USER_ID_LENGTH = 256;
    public static final Pattern KEY_PATTERN = Pattern.compile("^[A-Z][A-Z0-9_]{0,63}$");

    public EntitlementId {
        requireValidUserId(userId);
        requireValidKey(entitlementKey);
    }

    public static EntitlementId of(String userId, String entitlementKey) {
        return new EntitlementId(userId, entitlementKey);
    }

    /** Parses an aggregate identifier produced by {@link #toString()}. */
    public static EntitlementId parse(String aggregateIdentifier) {
        int separator = aggregateIdentifier.lastIndexOf('#');
        if (separator < 0) {
            throw new InvalidInput("INVALID_ENTITLEMENT_ID", "not an entitlement identifier: " + aggregateIdentifier);
        }
        return new EntitlementId(
                aggregateIdentifier.substring(0, separator), aggregateIdentifier.substring(separator + 1));
    }

    public static void requireValidUserId(String userId) {
        String problem = userIdProblem(userId);
        if (problem != null) {
            throw new InvalidInput("INVALID_USER_ID", problem);
        }
    }

    public static void requireValidKey(String entitlementKey) {
        String problem = keyProblem(entitlementKey);
        if (problem != null) {
            throw new InvalidInput("INVALID_ENTITLEMENT_KEY", problem);
        }
    }

    /** @return why the user id is invalid, or {@code null} when it is valid */
    public static String userIdProblem(String userId) {
        if (userId == null || userId.isEmpty()) {
            return "userId is required and must not be empty";
        }
        int length = userId.codePointCount(0, userId.length());
        if (length > MAX_USER_ID_LENGTH) {
            return "userId must be at most " + MAX_USER_ID_LENGTH + " characters, got " + length;
        }
        boolean printable = userId.codePoints()
                .allMatch(cp -> !Character.isISOControl(cp)
                        && Character.getType(cp) != Character.UNASSIGNED
                        && Character.getType(cp) != Character.SURROGATE
                        && Character.getType(cp) != Character.LINE_SEPARATOR
                        && Character.getType(cp) != Character.PARAGRAPH_SEPARATOR);
        return printable ? null : "userId must contain only printable characters (no control characters)";
    }

    /** @return why the key is invalid, or {@code null} when it is valid */
    public static String keyProblem(String entitlementKey) {
        if (entitlementKey == null || entitlementKey.isEmpty()) {
            return "entitlementKey is required";
        }
        return KEY_PATTERN.matcher(entitlementKey).matches()
                ? null
                : "entitlementKey must match ^[A-Z][A-Z0-9_]{0,63}$, got '" + entitlementKey + "'";
    }

    @Override
    public String toString() {
        return userId + "#" + entitlementKey;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EntitlementId other
                && userId.equals(other.userId)
                && entitlementKey.equals(other.entitlementKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, entitlementKey);
    }
}
