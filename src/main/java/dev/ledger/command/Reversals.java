package dev.ledger.command;

import dev.ledger.entitlement.CountedUsage;
import dev.ledger.entitlement.EntitlementId;
import dev.ledger.entitlement.InvalidInput;
import dev.ledger.entitlement.Reversal;
import dev.ledger.entitlement.ReverseUsage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Reverses counted usage (issue 16, ADR 0003): looks up what was counted under the key, sends {@link ReverseUsage},
 * and makes a request with an {@code Idempotency-Key} happen once. The key is recorded with the reversal's answer in
 * the same transaction as the {@code UsageReversed} ({@link EntitlementStateProjector}); a repeat with the same request
 * answers what was recorded, a repeat with a different request is {@link IdempotencyKeyReused}. Two requests with one
 * key that race are decided under the entitlement's lock ({@link EntitlementLock}): the second finds the key taken.
 */
@Component
public class Reversals {

    /** Metadata of the command and its event: the request's key and the fingerprint of the request. */
    public static final String IDEMPOTENCY_KEY = "idempotencyKey";

    public static final String FINGERPRINT = "requestFingerprint";
    public static final int MAX_KEY_LENGTH = 255;

    private final Ledger ledger;
    private final CountedUsages counted;
    private final JdbcTemplate jdbc;
    private final Clock clock;

    Reversals(Ledger ledger, CountedUsages counted, JdbcTemplate jdbc, Clock clock) {
        this.ledger = ledger;
        this.counted = counted;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * @param audit the metadata that names the caller and the action, stored with the event
     */
    public record Request(
            EntitlementId id,
            String dedupKey,
            Long amount,
            String reason,
            String caller,
            String idempotencyKey,
            boolean dryRun,
            Map<String, ?> audit) {}

    /** The reversal, and whether it is the recorded answer to an earlier request with the same key. */
    public record Outcome(Reversal reversal, boolean replayed) {}

    public Outcome reverse(Request request) {
        String key = request.idempotencyKey();
        if (key != null && (key.isBlank() || key.length() > MAX_KEY_LENGTH)) {
            throw new InvalidInput(
                    "INVALID_IDEMPOTENCY_KEY",
                    "the Idempotency-Key header must be 1 to " + MAX_KEY_LENGTH + " characters");
        }
        // the constructor validates the request (reason, amount, key) before its key is looked up
        ReverseUsage command = command(
                request,
                request.dedupKey() == null
                        ? null
                        : counted.find(request.id(), request.dedupKey()).orElse(null));
        String fingerprint = fingerprint(request);
        boolean keyed = key != null && !request.dryRun();
        if (keyed) {
            Optional<Outcome> recorded = recorded(key, fingerprint);
            if (recorded.isPresent()) {
                return recorded.get();
            }
        }
        Map<String, Object> metaData = new HashMap<>(request.audit());
        if (keyed) {
            metaData.put(IDEMPOTENCY_KEY, key);
            metaData.put(FINGERPRINT, fingerprint);
        }
        try {
            Reversal reversal = ledger.send(request.id(), command, metaData);
            return new Outcome(reversal, false);
        } catch (IdempotencyKeyTaken taken) {
            return recorded(key, fingerprint)
                    .orElseThrow(() -> new IllegalStateException(
                            "the Idempotency-Key '" + key + "' was taken but its answer is not recorded"));
        }
    }

    private ReverseUsage command(Request request, CountedUsage original) {
        return new ReverseUsage(
                request.id(),
                request.dryRun() ? null : UUID.randomUUID().toString(),
                request.dedupKey(),
                original,
                request.amount(),
                request.reason(),
                request.caller(),
                clock.instant(),
                request.dryRun());
    }

    private Optional<Outcome> recorded(String key, String fingerprint) {
        return jdbc
                .query(
                        """
                        SELECT fingerprint, reversal_id, dedup_key, amount, remaining, period_start, period_end,
                               current_window, used
                        FROM reversal_request WHERE idempotency_key = ?""",
                        (rs, n) -> {
                            if (!rs.getString(1).equals(fingerprint)) {
                                throw new IdempotencyKeyReused(key);
                            }
                            Timestamp end = rs.getTimestamp(7);
                            return new Outcome(
                                    new Reversal(
                                            rs.getString(2),
                                            rs.getString(3),
                                            rs.getLong(4),
                                            rs.getLong(5),
                                            rs.getTimestamp(6).toInstant(),
                                            end == null ? null : end.toInstant(),
                                            rs.getBoolean(8),
                                            rs.getLong(9)),
                                    true);
                        },
                        key)
                .stream()
                .findFirst();
    }

    /** The request as the key's first use is compared with: the entitlement, the usage, the amount and the reason. */
    static String fingerprint(Request request) {
        String canonical = String.join(
                "\n", request.id().toString(), request.dedupKey(), String.valueOf(request.amount()), request.reason());
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
