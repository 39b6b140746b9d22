package dev.roost.server.http;

/**
 * The body of a route. Returns the response body (serialised as JSON with status 200), a
 * {@link Reply} for anything else, or null for 204. Throws
 * {@link dev.roost.core.error.RoostException} for errors the caller can fix.
 */
@FunctionalInterface
public interface ApiHandler {
    Object handle(Call call) throws Exception;
}
