package dev.roost.server.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Limits for inbound webhook calls: per instance, {@code ratePerSecond} calls with bursts up to
 * {@code burst}; bodies up to {@code maxBodyBytes} (the server-wide request limit still applies);
 * an instance has {@code timeout} to answer a forwarded call.
 */
public record WebhookSettings(int ratePerSecond, int burst, int maxBodyBytes, Duration timeout) {
    public static final WebhookSettings DEFAULTS = new WebhookSettings(20, 40, 1024 * 1024, Duration.ofSeconds(10));

    public WebhookSettings {
        requireNonNull(timeout, "timeout is null");
        if (ratePerSecond < 1 || burst < ratePerSecond) {
            throw new IllegalArgumentException("the webhook rate must be at least 1 per second and the burst at least the rate");
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("the webhook body limit must be positive");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the webhook timeout must be positive");
        }
    }
}
