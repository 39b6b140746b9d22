package dev.roost.server.console;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.identity.User;
import dev.roost.server.auth.OpaqueTokens;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.BrowserFront;
import dev.roost.server.http.Principal;
import dev.roost.store.Session;
import dev.roost.store.console.ConsoleSessionRepository.StoredConsoleSession;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Sign-in sessions of the web console and the browser rules around them: an HttpOnly,
 * SameSite=Strict session cookie (Secure when the console is reached over TLS), a CSRF token per
 * session that every state-changing request must send back, a strict Content-Security-Policy
 * on every answer, and errors as pages. Sessions end at sign-out, after {@link #IDLE} without a
 * request, or {@link #LIFETIME} after sign-in.
 */
public final class ConsoleFront implements BrowserFront {
    public static final String PREFIX = "/console";
    public static final String SESSION_COOKIE = "roost_console";
    /** Double-submit cookie protecting the sign-in form, which has no session yet. */
    public static final String LOGIN_COOKIE = "roost_console_login";
    public static final String CSRF_FIELD = "csrf";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    public static final Duration IDLE = Duration.ofHours(2);
    public static final Duration LIFETIME = Duration.ofHours(12);
    /** How stale a session's last-seen time may get before a request writes it again (the store keeps the same step). */
    static final Duration TOUCH_AFTER = Duration.ofMinutes(1);
    static final String SESSION_ATTRIBUTE = "roost.console.session";

    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final Clock clock;
    private final boolean publicUrlIsHttps;
    private final Pages pages;

    public ConsoleFront(Clock clock, String publicUrl, Pages pages) {
        this.clock = requireNonNull(clock, "clock is null");
        this.publicUrlIsHttps = publicUrl != null && publicUrl.toLowerCase(java.util.Locale.ROOT).startsWith("https:");
        this.pages = requireNonNull(pages, "pages is null");
    }

    @Override
    public String prefix() {
        return PREFIX;
    }

    @Override
    public Optional<Principal> authenticate(Context ctx, Supplier<Session> session) {
        String token = ctx.cookie(SESSION_COOKIE);
        if (token == null || token.isBlank() || token.length() > 200) {
            return Optional.empty();
        }
        Session s = session.get();
        StoredConsoleSession stored = s.consoleSessions().findByHash(OpaqueTokens.hash(token)).orElse(null);
        Instant now = clock.instant();
        if (stored == null || stored.endedAt() != null || !now.isBefore(stored.expiresAt())
                || !now.isBefore(stored.lastSeenAt().plus(IDLE))) {
            return Optional.empty();
        }
        User user = s.users().findById(stored.userId()).filter(u -> !u.disabled()).orElse(null);
        if (user == null) {
            return Optional.empty();
        }
        if (stored.lastSeenAt().isBefore(now.minus(TOUCH_AFTER))) {
            // Idle time is counted in minutes: most requests need no write (and no round trip) for it.
            s.consoleSessions().touch(stored.id(), now);
        }
        ctx.attribute(SESSION_ATTRIBUTE, stored);
        return Optional.of(new Principal(user.id(), user.username(), user.serverAdmin(), Principal.Method.CONSOLE_SESSION,
                null, null));
    }

    @Override
    public void checkForgery(ApiRoute route, Context ctx, Principal principal) {
        String origin = ctx.header("Origin");
        if (origin != null && !origin.equals("null") && !sameOrigin(origin, ctx)) {
            throw refused("This form was sent from another site (" + origin + ").");
        }
        String sent = sentToken(ctx);
        if (route.path().equals(PREFIX + "/login")) {
            String cookie = ctx.cookie(LOGIN_COOKIE);
            if (cookie == null || sent == null || !constantTimeEquals(cookie, sent)) {
                throw refused("The sign-in form expired or was not sent from this console. Reload the page and sign in again.");
            }
            return;
        }
        StoredConsoleSession session = ctx.attribute(SESSION_ATTRIBUTE);
        if (session == null) {
            return; // not signed in: the route's access rule answers 401
        }
        if (sent == null || !constantTimeEquals(session.csrfToken(), sent)) {
            throw refused("This form did not carry your session's security token. Reload the page and try again.");
        }
    }

    private static RoostException refused(String detail) {
        return new RoostException(ErrorCode.CSRF_TOKEN_INVALID, detail, java.util.List.of(new FieldError("/csrf", detail)));
    }

    private static String sentToken(Context ctx) {
        String header = ctx.header(CSRF_HEADER);
        if (header != null) {
            return header;
        }
        String type = ctx.contentType();
        if (type != null && (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data"))) {
            return ctx.formParam(CSRF_FIELD);
        }
        return null;
    }

    private static boolean sameOrigin(String origin, Context ctx) {
        try {
            URI uri = URI.create(origin);
            String host = ctx.header("Host");
            if (host == null || uri.getHost() == null) {
                return false;
            }
            String expected = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            return expected.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void secure(Context ctx) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("Cross-Origin-Opener-Policy", "same-origin");
        ctx.header("Cross-Origin-Resource-Policy", "same-origin");
        ctx.header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    }

    @Override
    public void writeError(Context ctx, RoostException error, String requestId, Principal principal) {
        ErrorCode code = error.code();
        ctx.header("Roost-Error-Code", code.name());
        boolean signInNeeded = code == ErrorCode.UNAUTHENTICATED || code == ErrorCode.TOKEN_INVALID
                || code == ErrorCode.TOKEN_EXPIRED;
        if (signInNeeded && ctx.header("HX-Request") != null) {
            ctx.header("HX-Redirect", PREFIX + "/login");
        }
        ctx.status(code.httpStatus());
        ctx.contentType("text/html; charset=utf-8");
        if (signInNeeded) {
            // The sign-in form itself, under the address asked for: after signing in the browser comes back here.
            String next = "GET".equals(ctx.method().name()) ? ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString())
                    : PREFIX;
            ctx.result(pages.login(newLoginToken(ctx), next, null, null).toString());
            return;
        }
        ctx.result(pages.error(ctx, principal, error, requestId).toString());
    }

    /** Starts a session for {@code user}: sets the cookie and returns the session's CSRF token. */
    public String startSession(Context ctx, Session session, User user) {
        String token = OpaqueTokens.generate("roost_cs_");
        String csrf = OpaqueTokens.generate("");
        Instant now = clock.instant();
        session.consoleSessions().insert(UUID.randomUUID(), user.id(), OpaqueTokens.hash(token), csrf, now, now.plus(LIFETIME));
        ctx.cookie(cookie(ctx, SESSION_COOKIE, token, (int) LIFETIME.toSeconds()));
        ctx.cookie(cookie(ctx, LOGIN_COOKIE, "", 0));
        return csrf;
    }

    /** Ends the request's session and clears its cookie. */
    public void endSession(Context ctx, Session session) {
        StoredConsoleSession stored = ctx.attribute(SESSION_ATTRIBUTE);
        if (stored != null) {
            session.consoleSessions().end(stored.id(), clock.instant());
        }
        ctx.cookie(cookie(ctx, SESSION_COOKIE, "", 0));
    }

    /** A fresh token for the sign-in form, also set as its cookie. */
    public String newLoginToken(Context ctx) {
        String token = OpaqueTokens.generate("");
        ctx.cookie(cookie(ctx, LOGIN_COOKIE, token, (int) Duration.ofHours(1).toSeconds()));
        return token;
    }

    /** The CSRF token of the request's session (null when not signed in). */
    public static String csrfToken(Context ctx) {
        StoredConsoleSession stored = ctx.attribute(SESSION_ATTRIBUTE);
        return stored == null ? null : stored.csrfToken();
    }

    private Cookie cookie(Context ctx, String name, String value, int maxAge) {
        Cookie cookie = new Cookie(name, value);
        cookie.setPath(PREFIX);
        cookie.setHttpOnly(true);
        cookie.setSameSite(SameSite.STRICT);
        cookie.setSecure(publicUrlIsHttps || "https".equalsIgnoreCase(ctx.scheme()));
        cookie.setMaxAge(maxAge);
        return cookie;
    }
}
