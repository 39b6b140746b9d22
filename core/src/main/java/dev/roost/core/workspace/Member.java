package dev.roost.core.workspace;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.UUID;

/** A user's role in one workspace. */
public record Member(UUID userId, String username, Role role, Instant since) {
    public Member {
        requireNonNull(userId, "userId is null");
        requireNonNull(username, "username is null");
        requireNonNull(role, "role is null");
        requireNonNull(since, "since is null");
    }
}
