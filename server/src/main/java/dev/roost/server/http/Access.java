package dev.roost.server.http;

import static java.util.Objects.requireNonNull;

import dev.roost.core.workspace.Role;

/**
 * Who may call a route. Every route declares exactly one rule; {@link HttpApi} enforces it
 * before the handler runs, and the route-by-role test checks each one.
 */
public sealed interface Access {
    /** No authentication: health probes and login only. */
    record Public() implements Access {
    }

    /**
     * No Roost sign-in, but not open either: the handler admits only calls signed by the sender
     * with a secret the target instance names (inbound webhooks). Unsigned calls get 401.
     */
    record SenderSignature() implements Access {
    }

    /**
     * The model gateway's data plane: no Roost sign-in; the handler admits only calls carrying a
     * virtual key (as a Bearer token, {@code x-api-key} or {@code x-goog-api-key}) and answers
     * others 401 in the provider's wire format.
     */
    record GatewayKey() implements Access {
    }

    /** Any signed-in user or API token. */
    record Authenticated() implements Access {
    }

    /**
     * A joined worker node calling with its node JWT. Node JWTs are accepted on these routes
     * only, and user credentials never are.
     */
    record NodeCaller() implements Access {
    }

    /** A server admin: users, plans, templates, all workspaces. */
    record ServerAdmin() implements Access {
    }

    /** A server admin, or a request carrying the configured metrics token. */
    record MetricsReader() implements Access {
    }

    /**
     * A member of the workspace named by the {@code {ws}} path parameter holding at least
     * {@code minimum}; a server admin counts as OWNER. Non-members get 404, so a workspace's
     * existence is not disclosed to other tenants.
     */
    record WorkspaceRole(Role minimum) implements Access {
        public WorkspaceRole {
            requireNonNull(minimum, "minimum is null");
        }
    }

    Access PUBLIC = new Public();
    Access SENDER_SIGNATURE = new SenderSignature();
    Access GATEWAY_KEY = new GatewayKey();
    Access AUTHENTICATED = new Authenticated();
    Access SERVER_ADMIN = new ServerAdmin();
    Access NODE = new NodeCaller();
    Access METRICS = new MetricsReader();

    static Access workspace(Role minimum) {
        return new WorkspaceRole(minimum);
    }

    /** A short human description, used in the OpenAPI document and in 403 answers. */
    default String describe() {
        return switch (this) {
            case Public p -> "public";
            case SenderSignature s -> "public, but only calls signed by the sender with the instance's signing secret";
            case GatewayKey g -> "a model gateway virtual key (Bearer, x-api-key or x-goog-api-key)";
            case Authenticated a -> "any authenticated user";
            case ServerAdmin s -> "server admin";
            case NodeCaller n -> "a joined node (node JWT only; user credentials are refused)";
            case MetricsReader m -> "server admin or metrics token";
            case WorkspaceRole w -> "workspace role " + w.minimum() + " or higher";
        };
    }
}
