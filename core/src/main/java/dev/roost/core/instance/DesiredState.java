package dev.roost.core.instance;

/** What a user asked an instance to be. The reconciler drives the runtime towards it. */
public enum DesiredState {
    RUNNING,
    STOPPED,
    DELETED
}
