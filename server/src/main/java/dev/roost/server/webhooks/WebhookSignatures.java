package dev.roost.server.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature schemes inbound webhook calls are checked with. Each check answers empty when the
 * call is genuine, else the reason it is not, in words safe to show the caller and to log: a
 * reason never contains the expected signature, the secret, or the body.
 *
 * <ul>
 *   <li>Roost's own scheme: {@code X-Roost-Timestamp: <unix seconds>} and
 *       {@code X-Roost-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>}.</li>
 *   <li>Slack's v0 scheme: {@code X-Slack-Request-Timestamp} and
 *       {@code X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)>}.</li>
 *   <li>Telegram: {@code X-Telegram-Bot-Api-Secret-Token} equals {@link #telegramSecretToken}.</li>
 * </ul>
 * The timestamp must lie within {@link #REPLAY_WINDOW} of the server's clock either way, so a
 * captured call cannot be replayed later than that. Comparisons take constant time.
 */
public final class WebhookSignatures {
    /** How far a signed timestamp may be from now, in either direction. */
    public static final Duration REPLAY_WINDOW = Duration.ofMinutes(5);

    public static final String ROOST_TIMESTAMP = "X-Roost-Timestamp";
    public static final String ROOST_SIGNATURE = "X-Roost-Signature";
    public static final String SLACK_TIMESTAMP = "X-Slack-Request-Timestamp";
    public static final String SLACK_SIGNATURE = "X-Slack-Signature";
    public static final String TELEGRAM_TOKEN = "X-Telegram-Bot-Api-Secret-Token";

    private static final String TELEGRAM_CONTEXT = "roost-telegram-webhook:";

    private WebhookSignatures() {
    }

    /** Checks a call signed with Roost's scheme. {@code headers} looks a header up by name (case-insensitive). */
    public static Optional<String> checkRoost(byte[] secret, Function<String, String> headers, byte[] body, Instant now) {
        return checkHmac(secret, headers.apply(ROOST_TIMESTAMP), headers.apply(ROOST_SIGNATURE), ROOST_TIMESTAMP,
                ROOST_SIGNATURE, "sha256=", "", ".", body, now);
    }

    /** Checks a call signed with Slack's v0 scheme. */
    public static Optional<String> checkSlack(byte[] secret, Function<String, String> headers, byte[] body, Instant now) {
        return checkHmac(secret, headers.apply(SLACK_TIMESTAMP), headers.apply(SLACK_SIGNATURE), SLACK_TIMESTAMP,
                SLACK_SIGNATURE, "v0=", "v0:", ":", body, now);
    }

    /** Checks Telegram's secret token header against the token derived for this instance. */
    public static Optional<String> checkTelegram(byte[] botToken, String workspace, String instance,
            Function<String, String> headers) {
        String given = headers.apply(TELEGRAM_TOKEN);
        if (given == null || given.isEmpty()) {
            return Optional.of("the " + TELEGRAM_TOKEN + " header is missing");
        }
        byte[] expected = telegramSecretToken(botToken, workspace, instance).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8)) ? Optional.empty()
                : Optional.of("the " + TELEGRAM_TOKEN + " header does not match");
    }

    /**
     * The secret token to register with Telegram's setWebhook for one instance: hex
     * HMAC-SHA256 keyed with the bot token over {@code roost-telegram-webhook:<workspace>/<instance>}.
     * Whoever holds the bot token can compute it (docs/webhooks.md shows how with openssl); it
     * changes when the bot token or the instance's name changes.
     */
    public static String telegramSecretToken(byte[] botToken, String workspace, String instance) {
        return HexFormat.of().formatHex(hmac(botToken, (TELEGRAM_CONTEXT + workspace + "/" + instance)
                .getBytes(StandardCharsets.UTF_8), new byte[0]));
    }

    /** {@code prefix + hex(HMAC-SHA256(secret, base + timestamp + separator + body))}, as a sender computes it. */
    static String sign(byte[] secret, String prefix, String base, String timestamp, String separator, byte[] body) {
        return prefix + HexFormat.of().formatHex(hmac(secret, (base + timestamp + separator).getBytes(StandardCharsets.UTF_8), body));
    }

    private static Optional<String> checkHmac(byte[] secret, String timestamp, String signature, String timestampHeader,
            String signatureHeader, String prefix, String base, String separator, byte[] body, Instant now) {
        if (timestamp == null || timestamp.isEmpty()) {
            return Optional.of("the " + timestampHeader + " header is missing");
        }
        if (signature == null || signature.isEmpty()) {
            return Optional.of("the " + signatureHeader + " header is missing");
        }
        if (!timestamp.matches("\\d{1,12}")) {
            return Optional.of("the " + timestampHeader + " header must be Unix time in seconds");
        }
        long seconds = Long.parseLong(timestamp);
        if (Math.abs(now.getEpochSecond() - seconds) > REPLAY_WINDOW.toSeconds()) {
            return Optional.of("the " + timestampHeader + " is more than " + REPLAY_WINDOW.toMinutes()
                    + " minutes from the server's time (a replay, or a clock that is off)");
        }
        if (!signature.startsWith(prefix) || signature.length() != prefix.length() + 64) {
            return Optional.of("the " + signatureHeader + " header must be " + prefix + "<64 hex digits>");
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(signature.substring(prefix.length()));
        } catch (IllegalArgumentException e) {
            return Optional.of("the " + signatureHeader + " header must be " + prefix + "<64 hex digits>");
        }
        byte[] expected = hmac(secret, (base + timestamp + separator).getBytes(StandardCharsets.UTF_8), body);
        return MessageDigest.isEqual(expected, given) ? Optional.empty()
                : Optional.of("the signature does not match the body and timestamp");
    }

    private static byte[] hmac(byte[] key, byte[] head, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(head);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
