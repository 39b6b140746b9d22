package dev.roost.gateway;

import java.util.UUID;

/**
 * Told by the management API when gateway configuration changed, so the data plane's caches
 * drop what they hold. Calls may come before the change commits: caches hold entries briefly
 * (seconds) for that reason, and a revoked key is remembered as revoked at once.
 */
public interface ConfigChanges {
    ConfigChanges NONE = new ConfigChanges() {
        @Override
        public void keyRevoked(UUID keyId) {
        }

        @Override
        public void routingChanged() {
        }

        @Override
        public void pricesChanged() {
        }
    };

    void keyRevoked(UUID keyId);

    /** Providers or aliases changed somewhere. */
    void routingChanged();

    void pricesChanged();
}
