package dev.roost.core.deploy;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * One step in an instance's deployment history, as the reconciler (or a user's request) recorded
 * it: a plan, an action and its outcome, drift, a health change, a rollout or rollback, a status
 * change. {@code detail} holds small structured facts (action type, container id, exit code),
 * never secret values. {@code id} is 0 until stored.
 */
public record DeploymentEvent(long id, UUID instanceId, UUID workspaceId, Integer version, Instant at, Kind kind, String message,
        Map<String, Object> detail, String actor) {

    public DeploymentEvent {
        requireNonNull(instanceId, "instanceId is null");
        requireNonNull(workspaceId, "workspaceId is null");
        requireNonNull(at, "at is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(message, "message is null");
        detail = Map.copyOf(requireNonNull(detail, "detail is null"));
        requireNonNull(actor, "actor is null");
    }

    /** What happened. */
    public enum Kind {
        /** The reconciler computed a non-empty plan. */
        PLAN,
        ACTION_STARTED,
        ACTION_SUCCEEDED,
        ACTION_FAILED,
        /** Something changed behind Roost's back. */
        DRIFT,
        HEALTHY,
        UNHEALTHY,
        ROLLOUT_STARTED,
        ROLLOUT_FAILED,
        ROLLBACK,
        /** The status or its reason changed. */
        STATUS,
        /** The stored manifest no longer passes validation or policy. */
        POLICY,
        /** Containers and volumes of a deleted instance are gone. */
        CLEANED
    }
}
