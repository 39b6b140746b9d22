package dev.roost.server.http;

import static java.util.Objects.requireNonNull;

import java.util.UUID;

/**
 * Who is calling: a user, signed in with an access token or acting through one of their API
 * tokens. The metrics token is a principal with no user.
 */
public record Principal(UUID userId, String username, boolean serverAdmin, Method method, UUID tokenId, String tokenName) {
    public enum Method {
        ACCESS_TOKEN,
        API_TOKEN,
        METRICS_TOKEN
    }

    public Principal {
        requireNonNull(username, "username is null");
        requireNonNull(method, "method is null");
    }

    public static Principal metricsReader() {
        return new Principal(null, "metrics", false, Method.METRICS_TOKEN, null, null);
    }

    /** How the audit log names this principal. */
    public String actor() {
        return method == Method.API_TOKEN ? username + " (token " + tokenName + ")" : username;
    }

    /** A stable key for per-principal state such as idempotency records. */
    public String key() {
        return method == Method.API_TOKEN ? "token:" + tokenId : "user:" + userId;
    }
}
