package dev.roost.cli.client;

import java.time.Instant;

/**
 * What {@code config.json} holds: the server last signed in to, who signed in, the token pair
 * and the default workspace. Tokens are secrets: {@link #toString()} leaves them out.
 */
public record CliConfig(String server, String username, String accessToken, String refreshToken,
        Instant accessTokenExpiresAt, String workspace) {

    public static final CliConfig EMPTY = new CliConfig(null, null, null, null, null, null);

    public boolean signedIn() {
        return accessToken != null && refreshToken != null;
    }

    public CliConfig withSession(String server, String username, String accessToken, String refreshToken, Instant expiresAt) {
        return new CliConfig(server, username, accessToken, refreshToken, expiresAt, workspace);
    }

    public CliConfig withTokens(String accessToken, String refreshToken, Instant expiresAt) {
        return new CliConfig(server, username, accessToken, refreshToken, expiresAt, workspace);
    }

    public CliConfig withoutTokens() {
        return new CliConfig(server, username, null, null, null, workspace);
    }

    public CliConfig withWorkspace(String value) {
        return new CliConfig(server, username, accessToken, refreshToken, accessTokenExpiresAt, value);
    }

    @Override
    public String toString() {
        return "CliConfig[server=" + server + ", username=" + username + ", signedIn=" + signedIn() + ", workspace="
                + workspace + "]";
    }
}
