package dev.roost.core.identity;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.UUID;

/** A local user. A server admin manages users, plans and templates and may act in every workspace. */
public record User(UUID id, String username, String displayName, boolean serverAdmin, boolean disabled, Instant createdAt) {
    public User {
        requireNonNull(id, "id is null");
        requireNonNull(username, "username is null");
        requireNonNull(displayName, "displayName is null");
        requireNonNull(createdAt, "createdAt is null");
    }
}
