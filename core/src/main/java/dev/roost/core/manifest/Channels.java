package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import dev.roost.core.secret.SecretReference;
import java.util.Optional;

/** Chat channels an agent is reachable on. Every credential is a secret reference. */
public record Channels(Optional<Telegram> telegram, Optional<Slack> slack, Optional<Webhook> webhook) {
    public static final Channels NONE = new Channels(Optional.empty(), Optional.empty(), Optional.empty());

    public Channels {
        requireNonNull(telegram, "telegram is null");
        requireNonNull(slack, "slack is null");
        requireNonNull(webhook, "webhook is null");
    }

    /** A Telegram bot. POLLING asks Telegram for updates; WEBHOOK receives them. */
    public record Telegram(SecretReference botToken, Mode mode) {
        public Telegram {
            requireNonNull(botToken, "botToken is null");
            requireNonNull(mode, "mode is null");
        }

        public enum Mode implements WireValue {
            POLLING,
            WEBHOOK;

            @Override
            public String wire() {
                return name();
            }
        }
    }

    /** A Slack app: socket mode with an app token, or the Events API with a signing secret. */
    public record Slack(SecretReference botToken, Optional<SecretReference> signingSecret, Optional<SecretReference> appToken) {
        public Slack {
            requireNonNull(botToken, "botToken is null");
            requireNonNull(signingSecret, "signingSecret is null");
            requireNonNull(appToken, "appToken is null");
        }

        /** Whether Slack calls in (Events API) rather than the agent connecting out (socket mode). */
        public boolean receivesEvents() {
            return appToken.isEmpty();
        }
    }

    /** A generic signed webhook, forwarded to {@code port} (default: the first declared port). */
    public record Webhook(String path, SecretReference signingSecret, Optional<PortRef> port) {
        public Webhook {
            requireNonNull(path, "path is null");
            requireNonNull(signingSecret, "signingSecret is null");
            requireNonNull(port, "port is null");
        }
    }
}
