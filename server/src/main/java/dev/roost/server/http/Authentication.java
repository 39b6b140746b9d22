package dev.roost.server.http;

import dev.roost.store.Session;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Turns the {@code Authorization} header of a request into a {@link Principal}. Empty when no
 * credentials were sent; throws a {@link dev.roost.core.error.RoostException} for bad ones.
 * Implemented by {@code dev.roost.server.auth.Authenticator}.
 */
@FunctionalInterface
public interface Authentication {
    Optional<Principal> authenticate(String authorizationHeader, Supplier<Session> session);
}
