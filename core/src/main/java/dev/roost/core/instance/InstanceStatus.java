package dev.roost.core.instance;

/**
 * What Roost last observed of an instance. Until a runtime reports (the reconciler), a new
 * instance stays CREATING; STOPPED and DELETING follow requested actions.
 */
public enum InstanceStatus {
    CREATING,
    RUNNING,
    DEGRADED,
    STOPPED,
    DOWN,
    DELETING
}
