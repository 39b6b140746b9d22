package dev.roost.server.instances;

/** What applying a manifest did, or would do in a dry run. */
public enum ApplyOutcome {
    CREATED,
    UPDATED,
    UNCHANGED,
    WOULD_CREATE,
    WOULD_UPDATE
}
