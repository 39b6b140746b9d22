package dev.roost.cli.client;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.CliException;
import dev.roost.cli.ExitCodes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * The session saved by {@code roost login}: an access token used until shortly before it expires,
 * then exchanged once, with the one-use refresh token, for a new pair that is saved at once.
 */
public final class SavedSession implements Credentials {
    /** Refresh this long before the recorded expiry, to allow for clock skew and a slow request. */
    private static final Duration EARLY = Duration.ofSeconds(30);

    private final ConfigStore store;
    private final Clock clock;
    private CliConfig config;

    public SavedSession(ConfigStore store, CliConfig config, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.config = requireNonNull(config, "config is null");
        this.clock = requireNonNull(clock, "clock is null");
        if (!config.signedIn()) {
            throw new IllegalArgumentException("config holds no session");
        }
    }

    /** The access token to send now; refreshed first when it is about to expire. */
    String accessToken(RoostClient client) {
        if (expiring(config)) {
            return renew(client, config.accessToken());
        }
        return config.accessToken();
    }

    /**
     * Replaces {@code stale} with a new access token. Holds the config lock, and reads the file
     * again first: when another {@code roost} process has already refreshed, its new token is used
     * instead of spending the (then already used) refresh token a second time.
     */
    String renew(RoostClient client, String stale) {
        return store.locked(() -> {
            CliConfig latest = store.load();
            if (!latest.signedIn() || !Objects.equals(latest.server(), config.server())) {
                throw new CliException(ExitCodes.AUTH, "Not signed in to " + config.server() + " any more. Sign in: roost login");
            }
            if (!Objects.equals(latest.accessToken(), stale) && !expiring(latest)) {
                config = latest;
                return latest.accessToken();
            }
            Instant asked = clock.instant();
            // Never repeated: the server keys no idempotency on sign-in routes, so a second try with
            // the same one-use token would look like theft and end the session.
            RoostClient.Exchange answer = client.exchange("POST", "/api/v1/auth/refresh",
                    RequestBody.json(Map.of("refreshToken", latest.refreshToken())), null, false);
            if (answer.status() / 100 != 2) {
                Problem problem = answer.problem();
                if (problem.status() == 401) {
                    store.save(latest.withoutTokens());
                    throw new CliException(ExitCodes.AUTH, "Your session on " + config.server() + " has ended: "
                            + problem.detail() + " Sign in again: roost login");
                }
                throw new ProblemException(problem);
            }
            JsonNode pair = answer.response().json();
            config = latest.withTokens(pair.path("accessToken").asString(), pair.path("refreshToken").asString(),
                    asked.plusSeconds(pair.path("expiresIn").asLong(0)));
            store.save(config);
            return config.accessToken();
        });
    }

    private boolean expiring(CliConfig c) {
        return c.accessTokenExpiresAt() != null && !clock.instant().plus(EARLY).isBefore(c.accessTokenExpiresAt());
    }

    @Override
    public String toString() {
        return "SavedSession[" + config + "]";
    }
}
