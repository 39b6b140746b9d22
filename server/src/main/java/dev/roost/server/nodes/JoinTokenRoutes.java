package dev.roost.server.nodes;

import dev.roost.core.error.RoostException;
import dev.roost.core.node.JoinToken;
import dev.roost.server.auth.OpaqueTokens;
import dev.roost.server.config.RoostConfig;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Json;
import dev.roost.server.http.Redactable;
import dev.roost.server.http.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Join tokens: a server admin creates one (shown once), lists them (never their values), revokes one. */
public final class JoinTokenRoutes {
    static final Duration MAX_TTL = Duration.ofDays(30);
    static final Duration MIN_TTL = Duration.ofMinutes(1);

    /** {@code ttl} like {@code 1h} or {@code 30m}; {@code uses}: how many nodes may join with it (absent: any). */
    public record JoinTokenRequest(String ttl, Integer uses) {
    }

    public record JoinTokenView(UUID id, String prefix, String createdBy, Instant createdAt, Instant expiresAt, Integer maxUses,
            int uses, Instant revokedAt, boolean active) {
        static JoinTokenView of(JoinToken t, Instant now) {
            return new JoinTokenView(t.id(), t.prefix(), t.createdBy(), t.createdAt(), t.expiresAt(), t.maxUses(), t.uses(),
                    t.revokedAt(), t.admitsAt(now));
        }
    }

    /** The one answer that carries the token itself. */
    public record CreatedJoinToken(UUID id, String prefix, Instant expiresAt, Integer maxUses, String token, String note)
            implements Redactable {
        @Override
        public Object redacted() {
            return new CreatedJoinToken(id, prefix, expiresAt, maxUses, null,
                    "The join token was shown once when it was created and cannot be shown again.");
        }

        @Override
        public String toString() {
            return "CreatedJoinToken[id=" + id + "]";
        }
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post("/api/v1/nodes/tokens", Access.SERVER_ADMIN, "Create a node join token (shown once)", this::create)
                        .accepts(JoinTokenRequest.class).returns(CreatedJoinToken.class),
                ApiRoute.get("/api/v1/nodes/tokens", Access.SERVER_ADMIN, "List node join tokens (never their values)",
                        this::list).returnsListOf(JoinTokenView.class),
                ApiRoute.delete("/api/v1/nodes/tokens/{id}", Access.SERVER_ADMIN, "Revoke a node join token", this::revoke));
    }

    private Object create(Call call) {
        JoinTokenRequest request = call.bodyOr(JoinTokenRequest.class, new JoinTokenRequest(null, null));
        Duration ttl = Duration.ofHours(1);
        Checks checks = new Checks();
        if (request.ttl() != null) {
            try {
                ttl = RoostConfig.parseDuration(request.ttl());
                checks.that(ttl.compareTo(MIN_TTL) >= 0 && ttl.compareTo(MAX_TTL) <= 0, "/ttl", "must be between 1m and 30d");
            } catch (IllegalArgumentException e) {
                checks.that(false, "/ttl", "must look like 30m, 1h or 7d");
            }
        }
        checks.that(request.uses() == null || request.uses() >= 1 && request.uses() <= 10_000, "/uses",
                "must be between 1 and 10000").throwIfAny();
        String token = OpaqueTokens.generate(OpaqueTokens.JOIN_TOKEN_PREFIX);
        Instant now = call.now();
        JoinToken stored = call.session().nodes().insertJoinToken(OpaqueTokens.hash(token), token.substring(0, 16),
                call.principal().actor(), now, now.plus(ttl), request.uses());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("expiresAt", stored.expiresAt().toString());
        details.put("maxUses", request.uses() == null ? "unlimited" : request.uses());
        call.audit("node.join-token.create", "node-join-token", stored.id().toString(), details);
        return Reply.created(new CreatedJoinToken(stored.id(), stored.prefix(), stored.expiresAt(), stored.maxUses(), token,
                "Store this token now: it is shown once. Pass it to 'roost node join' on the worker machine."));
    }

    private Object list(Call call) {
        Instant now = call.now();
        return call.session().nodes().listJoinTokens().stream().map(t -> JoinTokenView.of(t, now)).toList();
    }

    private Object revoke(Call call) {
        UUID id = parseId(call.path("id"), "Join token");
        JoinToken token = call.session().nodes().findJoinToken(id).orElseThrow(() -> RoostException.notFound("Join token " + id));
        if (call.session().nodes().revokeJoinToken(token.id(), call.now())) {
            call.audit("node.join-token.revoke", "node-join-token", token.id().toString(), Map.of("uses", token.uses()));
        }
        return null;
    }

    static UUID parseId(String raw, String what) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw RoostException.notFound(what + " " + Json.abbreviate(raw));
        }
    }
}
