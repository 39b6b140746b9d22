package dev.roost.server.http;

import dev.roost.core.error.RoostException;
import dev.roost.store.Session;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The browser side of the front door: routes under {@link #prefix()} are signed in with a session
 * cookie instead of an {@code Authorization} header, every state-changing request must carry the
 * session's CSRF token, answers get browser security headers, and errors are pages, not problem
 * documents. Everything else — the access rule, the transaction, the audit entry — is the same
 * {@link HttpApi} pipeline as for API routes. Implemented by {@code dev.roost.server.console.ConsoleFront}.
 */
public interface BrowserFront {
    /** The path prefix this front serves, e.g. {@code /console}. */
    String prefix();

    /** The signed-in user of a browser request; empty when there is no live session cookie. */
    Optional<Principal> authenticate(Context ctx, Supplier<Session> session);

    /** Refuses a state-changing request without the right CSRF token (throws CSRF_TOKEN_INVALID). */
    void checkForgery(ApiRoute route, Context ctx, Principal principal);

    /** Sets security headers (CSP and friends) on every answer of this front. */
    void secure(Context ctx);

    /** Writes an error as a page (or a redirect to sign-in). */
    void writeError(Context ctx, RoostException error, String requestId, Principal principal);
}
