package dev.roost.store;

import static java.util.Objects.requireNonNull;

/**
 * Where the database is. {@code jdbcUrl} may carry user and password as parameters; the
 * password never reaches a log (see {@link #redactedUrl()}).
 */
public record ConnectionSettings(String jdbcUrl, String username, String password, int poolSize) {
    public ConnectionSettings {
        requireNonNull(jdbcUrl, "jdbcUrl is null");
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1");
        }
    }

    /**
     * Accepts {@code jdbc:postgresql://…} and the libpq form {@code postgresql://user:pass@host:port/db}
     * (or {@code postgres://}), which operators usually have at hand.
     */
    public static ConnectionSettings fromUrl(String url, int poolSize) {
        requireNonNull(url, "url is null");
        if (url.startsWith("jdbc:postgresql:")) {
            return new ConnectionSettings(url, null, null, poolSize);
        }
        String rest;
        if (url.startsWith("postgresql://")) {
            rest = url.substring("postgresql://".length());
        } else if (url.startsWith("postgres://")) {
            rest = url.substring("postgres://".length());
        } else {
            throw new IllegalArgumentException(
                    "database URL must start with postgresql://, postgres:// or jdbc:postgresql:");
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String credentials = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = credentials.indexOf(':');
            user = decode(colon >= 0 ? credentials.substring(0, colon) : credentials);
            password = colon >= 0 ? decode(credentials.substring(colon + 1)) : null;
        }
        return new ConnectionSettings("jdbc:postgresql://" + rest, user, password, poolSize);
    }

    public String redactedUrl() {
        return jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***") + (username != null ? " as " + username : "");
    }

    @Override
    public String toString() {
        return "ConnectionSettings[" + redactedUrl() + ", poolSize=" + poolSize + "]";
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
