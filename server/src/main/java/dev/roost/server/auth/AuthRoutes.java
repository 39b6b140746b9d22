package dev.roost.server.auth;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.identity.ApiToken;
import dev.roost.core.identity.User;
import dev.roost.core.workspace.Role;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Principal;
import dev.roost.server.http.Redactable;
import dev.roost.server.http.Reply;
import dev.roost.store.identity.UserRepository;
import dev.roost.store.workspaces.WorkspaceRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sign-in, token refresh and sign-out, the caller's own profile, and API tokens. */
public final class AuthRoutes {
    private static final Logger log = LoggerFactory.getLogger(AuthRoutes.class);
    private static final int MAX_PASSWORD = 1024;

    private final PasswordHasher hasher;
    private final SessionTokens sessions;
    private final LoginRateLimiter rateLimiter;
    /** Verified against when the user does not exist, so both cases take the same time. Made on first use. */
    private volatile String decoyHash;

    public AuthRoutes(PasswordHasher hasher, SessionTokens sessions, LoginRateLimiter rateLimiter) {
        this.hasher = requireNonNull(hasher, "hasher is null");
        this.sessions = requireNonNull(sessions, "sessions is null");
        this.rateLimiter = requireNonNull(rateLimiter, "rateLimiter is null");
    }

    public record LoginRequest(String username, String password) {
        @Override
        public String toString() {
            return "LoginRequest[username=" + username + "]";
        }
    }

    public record RefreshRequest(String refreshToken) {
        @Override
        public String toString() {
            return "RefreshRequest[]";
        }
    }

    public record PasswordChange(String currentPassword, String newPassword) {
        @Override
        public String toString() {
            return "PasswordChange[]";
        }
    }

    public record Me(UUID id, String username, String displayName, boolean serverAdmin, String authenticatedWith,
            List<Membership> workspaces) {
    }

    public record Membership(String workspace, String displayName, Role role) {
    }

    public record TokenRequest(String name, Integer expiresInDays) {
    }

    public record TokenView(UUID id, String name, String prefix, Instant createdAt, Instant expiresAt, Instant lastUsedAt,
            Instant revokedAt, boolean active) {
        static TokenView of(ApiToken t, Instant now) {
            return new TokenView(t.id(), t.name(), t.prefix(), t.createdAt(), t.expiresAt(), t.lastUsedAt(), t.revokedAt(),
                    t.activeAt(now));
        }
    }

    /** The one response that carries the token itself; stored for idempotent replay without it. */
    public record CreatedToken(UUID id, String name, String prefix, Instant expiresAt, String token, String note)
            implements Redactable {
        @Override
        public Object redacted() {
            return new CreatedToken(id, name, prefix, expiresAt, null,
                    "The token was shown once when it was created and cannot be shown again.");
        }

        @Override
        public String toString() {
            return "CreatedToken[id=" + id + ", name=" + name + "]";
        }
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post("/api/v1/auth/login", Access.PUBLIC, "Sign in with username and password", this::login)
                        .accepts(LoginRequest.class).returns(SessionTokens.TokenPair.class),
                ApiRoute.post("/api/v1/auth/refresh", Access.PUBLIC, "Exchange a refresh token for a new token pair",
                        this::refresh).accepts(RefreshRequest.class).returns(SessionTokens.TokenPair.class),
                ApiRoute.post("/api/v1/auth/logout", Access.PUBLIC, "Sign out: revoke the session of a refresh token",
                        this::logout).accepts(RefreshRequest.class),
                ApiRoute.get("/api/v1/auth/me", Access.AUTHENTICATED, "Who am I, and my workspaces and roles", this::me)
                        .returns(Me.class),
                ApiRoute.post("/api/v1/auth/password", Access.AUTHENTICATED, "Change my password (signs out my other sessions)",
                        this::changePassword).accepts(PasswordChange.class),
                ApiRoute.post("/api/v1/tokens", Access.AUTHENTICATED, "Create an API token (shown once)", this::createToken)
                        .accepts(TokenRequest.class).returns(CreatedToken.class),
                ApiRoute.get("/api/v1/tokens", Access.AUTHENTICATED, "List my API tokens", this::listTokens)
                        .returnsListOf(TokenView.class),
                ApiRoute.delete("/api/v1/tokens/{id}", Access.AUTHENTICATED, "Revoke one of my API tokens", this::revokeToken));
    }

    private Object login(Call call) {
        LoginRequest request = call.body(LoginRequest.class);
        User user = checkPassword(call, request.username(), request.password());
        SessionTokens.TokenPair pair = sessions.startSession(call.session(), user);
        call.audit("auth.login", "user", user.username(), Map.of("method", "password"));
        return pair;
    }

    private String decoyHash() {
        String hash = decoyHash;
        if (hash == null) {
            hash = hasher.hash(UUID.randomUUID().toString());
            decoyHash = hash;
        }
        return hash;
    }

    /**
     * Checks a username and password as sign-in does (limits, rate limit, same time for unknown
     * users, rehash when due) and returns the user; the API's login and the web console's both use
     * it. Throws INVALID_CREDENTIALS (or VALIDATION_FAILED, RATE_LIMITED).
     */
    public User checkPassword(Call call, String username, String password) {
        new Checks().required("/username", username).required("/password", password)
                .maxLength("/username", username, 128).maxLength("/password", password, MAX_PASSWORD)
                .throwIfAny();
        rateLimiter.acquire(call.ip(), username);
        UserRepository.Credentials credentials = call.session().users().credentials(username).orElse(null);
        boolean matches = hasher.verify(password, credentials == null ? decoyHash() : credentials.passwordHash());
        if (credentials == null || !matches || credentials.user().disabled()) {
            if (credentials == null) {
                // Never log an unknown username: people type their password into that field.
                log.info("Failed sign-in for an unknown username from {}", call.ip());
            } else {
                log.info("Failed sign-in for user '{}' from {}", credentials.user().username(), call.ip());
            }
            throw new RoostException(ErrorCode.INVALID_CREDENTIALS, "Wrong username or password.");
        }
        User user = credentials.user();
        if (hasher.needsRehash(credentials.passwordHash())) {
            call.session().users().setPasswordHash(user.id(), hasher.hash(password));
        }
        return user;
    }

    private Object refresh(Call call) {
        RefreshRequest request = call.body(RefreshRequest.class);
        new Checks().required("/refreshToken", request.refreshToken()).maxLength("/refreshToken", request.refreshToken(), 512)
                .throwIfAny();
        SessionTokens.Rotation rotation = sessions.rotate(call.session(), request.refreshToken());
        if (rotation.refusal() != null) {
            if (rotation.refusal().code() == ErrorCode.REFRESH_TOKEN_REUSED) {
                log.warn("Refresh token reuse detected for user {}; its session was revoked", rotation.userId());
                call.audit("auth.refresh-token-reused", "user", String.valueOf(rotation.userId()),
                        Map.of("effect", "session revoked"));
            }
            return Reply.problem(rotation.refusal());
        }
        return rotation.tokens();
    }

    private Object logout(Call call) {
        RefreshRequest request = call.body(RefreshRequest.class);
        new Checks().required("/refreshToken", request.refreshToken()).maxLength("/refreshToken", request.refreshToken(), 512)
                .throwIfAny();
        sessions.endSession(call.session(), request.refreshToken());
        return null;
    }

    private Object me(Call call) {
        Principal p = call.principal();
        if (p.userId() == null) {
            throw RoostException.forbidden("The metrics token has no user profile.");
        }
        User user = call.session().users().findById(p.userId()).orElseThrow(() -> RoostException.notFound("Your user"));
        List<Membership> memberships = call.session().workspaces().listForMember(user.id()).stream()
                .map((WorkspaceRepository.Visible v) -> new Membership(v.workspace().name(), v.workspace().displayName(), v.role()))
                .toList();
        return new Me(user.id(), user.username(), user.displayName(), user.serverAdmin(), p.method().name(), memberships);
    }

    private Object changePassword(Call call) {
        Principal p = requireUser(call);
        PasswordChange request = call.body(PasswordChange.class);
        new Checks().required("/currentPassword", request.currentPassword()).required("/newPassword", request.newPassword())
                .maxLength("/newPassword", request.newPassword(), MAX_PASSWORD).throwIfAny();
        PasswordPolicy.check("/newPassword", request.newPassword());
        rateLimiter.acquire(call.ip(), p.username());
        UserRepository.Credentials credentials = call.session().users().credentials(p.username()).orElseThrow();
        if (!hasher.verify(request.currentPassword(), credentials.passwordHash())) {
            throw new RoostException(ErrorCode.INVALID_CREDENTIALS, "The current password is wrong.");
        }
        call.session().users().setPasswordHash(p.userId(), hasher.hash(request.newPassword()));
        call.session().refreshTokens().revokeAllOfUser(p.userId(), call.now());
        call.session().consoleSessions().endAllOfUser(p.userId(), call.now());
        call.audit("user.password-change", "user", p.username(), Map.of("sessionsRevoked", true));
        return null;
    }

    private Object createToken(Call call) {
        Principal p = requireUser(call);
        if (p.method() == Principal.Method.API_TOKEN) {
            throw RoostException.forbidden("An API token cannot create more API tokens; sign in as the user.");
        }
        TokenRequest request = call.body(TokenRequest.class);
        new Checks().required("/name", request.name()).maxLength("/name", request.name(), 100)
                .that(request.expiresInDays() == null || (request.expiresInDays() >= 1 && request.expiresInDays() <= 3650),
                        "/expiresInDays", "must be between 1 and 3650")
                .throwIfAny();
        String token = OpaqueTokens.generate(OpaqueTokens.API_TOKEN_PREFIX);
        Instant expires = request.expiresInDays() == null ? null : call.now().plus(Duration.ofDays(request.expiresInDays()));
        ApiToken stored = call.session().apiTokens().insert(p.userId(), request.name(), OpaqueTokens.hash(token),
                OpaqueTokens.displayPrefix(token), expires);
        call.audit("token.create", "api-token", stored.id().toString(),
                Map.of("name", stored.name(), "expiresAt", String.valueOf(expires)));
        return Reply.created(new CreatedToken(stored.id(), stored.name(), stored.prefix(), stored.expiresAt(), token,
                "Store this token now: it is shown once and cannot be shown again."));
    }

    private Object listTokens(Call call) {
        Principal p = requireUser(call);
        Instant now = call.now();
        return call.session().apiTokens().listOfUser(p.userId()).stream().map(t -> TokenView.of(t, now)).toList();
    }

    private Object revokeToken(Call call) {
        Principal p = requireUser(call);
        UUID id = parseId(call.path("id"));
        ApiToken token = call.session().apiTokens().find(id).filter(t -> t.userId().equals(p.userId()))
                .orElseThrow(() -> RoostException.notFound("API token " + id));
        if (call.session().apiTokens().revoke(token.id(), call.now())) {
            call.audit("token.revoke", "api-token", token.id().toString(), Map.of("name", token.name()));
        }
        return null;
    }

    private static Principal requireUser(Call call) {
        Principal p = call.principal();
        if (p.userId() == null) {
            throw RoostException.forbidden("This needs a user, not the metrics token.");
        }
        return p;
    }

    static UUID parseId(String raw) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw RoostException.notFound("API token " + Json.abbreviate(raw));
        }
    }

}
