package dev.roost.server.http;

import static java.util.Objects.requireNonNull;

import java.util.UUID;

/**
 * Who is calling: a user, signed in with an access token or acting through one of their API
 * tokens. The metrics token is a principal with no user. A worker node calling with its node
 * JWT is a principal with no user and a {@code nodeId}; it may call node routes only.
 */
public record Principal(UUID userId, String username, boolean serverAdmin, Method method, UUID tokenId, String tokenName,
        UUID nodeId) {
    public enum Method {
        ACCESS_TOKEN,
        API_TOKEN,
        METRICS_TOKEN,
        NODE_TOKEN,
        /** A web console session cookie. */
        CONSOLE_SESSION
    }

    public Principal(UUID userId, String username, boolean serverAdmin, Method method, UUID tokenId, String tokenName) {
        this(userId, username, serverAdmin, method, tokenId, tokenName, null);
    }

    public Principal {
        requireNonNull(username, "username is null");
        requireNonNull(method, "method is null");
        if ((method == Method.NODE_TOKEN) != (nodeId != null)) {
            throw new IllegalArgumentException("a node principal, and only a node principal, has a node id");
        }
    }

    /** A worker node, authenticated by its node JWT. */
    public static Principal node(UUID nodeId, String nodeName) {
        return new Principal(null, nodeName, false, Method.NODE_TOKEN, null, null, nodeId);
    }

    public boolean isNode() {
        return method == Method.NODE_TOKEN;
    }

    public static Principal metricsReader() {
        return new Principal(null, "metrics", false, Method.METRICS_TOKEN, null, null);
    }

    /** How the audit log names this principal. */
    public String actor() {
        return switch (method) {
            case API_TOKEN -> username + " (token " + tokenName + ")";
            case NODE_TOKEN -> "node:" + username;
            case ACCESS_TOKEN, METRICS_TOKEN, CONSOLE_SESSION -> username;
        };
    }

    /** A stable key for per-principal state such as idempotency records. */
    public String key() {
        return switch (method) {
            case API_TOKEN -> "token:" + tokenId;
            case NODE_TOKEN -> "node:" + nodeId;
            case ACCESS_TOKEN, METRICS_TOKEN, CONSOLE_SESSION -> "user:" + userId;
        };
    }
}
