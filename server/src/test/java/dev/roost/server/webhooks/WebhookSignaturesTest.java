package dev.roost.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The schemes against signatures computed elsewhere (openssl, the values docs/webhooks.md's commands print). */
class WebhookSignaturesTest {
    private static final byte[] SECRET = "s3cret value".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.ofEpochSecond(1_700_000_000L);

    private static Function<String, String> headers(String... pairs) {
        Map<String, String> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map::get;
    }

    @Test
    void roostSchemeMatchesOpenssl() {
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 's3cret value'
        String openssl = "sha256=03a9daa21e2d7f62db564819f2da10491e0451415fc2fb6d680be38bc70ebee7";
        assertThat(WebhookSignatures.checkRoost(SECRET, headers("x-roost-timestamp", "1700000000", "x-roost-signature", openssl),
                BODY, NOW)).isEmpty();
        assertThat(WebhookSignatures.checkRoost(SECRET, headers("x-roost-timestamp", "1700000000",
                "x-roost-signature", openssl.toUpperCase().replace("SHA256", "sha256")), BODY, NOW)).as("hex in capitals").isEmpty();
        assertThat(WebhookSignatures.checkRoost(SECRET, headers("x-roost-timestamp", "1700000000", "x-roost-signature", openssl),
                BODY, NOW.plusSeconds(301))).hasValueSatisfying(r -> assertThat(r).contains("5 minutes"));
        assertThat(WebhookSignatures.checkRoost(SECRET, headers("x-roost-timestamp", "1700000001", "x-roost-signature", openssl),
                BODY, NOW)).hasValueSatisfying(r -> assertThat(r).doesNotContain("03a9da"));
    }

    @Test
    void slackSchemeMatchesOpenssl() {
        // printf 'v0:1700000000:{"a":1}' | openssl dgst -sha256 -hmac 's3cret value'
        String signature = WebhookSignatures.sign(SECRET, "v0=", "v0:", "1700000000", ":", BODY);
        assertThat(signature).isEqualTo("v0=" + hmacHex("v0:1700000000:{\"a\":1}"));
        assertThat(WebhookSignatures.checkSlack(SECRET, headers("X-Slack-Request-Timestamp", "1700000000",
                "X-Slack-Signature", signature), BODY, NOW)).isEmpty();
    }

    @Test
    void telegramTokenMatchesOpenssl() {
        // printf 'roost-telegram-webhook:acme/tg' | openssl dgst -sha256 -hmac '123:abc'
        assertThat(WebhookSignatures.telegramSecretToken("123:abc".getBytes(StandardCharsets.UTF_8), "acme", "tg"))
                .isEqualTo("e4aa6d1fc266f5993d3bc136428ee645f31b102bc817ccad24764b85906617d0");
    }

    private static String hmacHex(String message) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(SECRET, "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
