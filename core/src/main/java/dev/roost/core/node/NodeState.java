package dev.roost.core.node;

/**
 * Whether a node is heard from. A heartbeat makes it READY; silence beyond the not-ready
 * threshold makes it NOT_READY, beyond the lost threshold LOST. A LOST node that heartbeats
 * again becomes READY again.
 */
public enum NodeState {
    READY,
    NOT_READY,
    LOST;

    /** The state a node is in after {@code silentFor} without a heartbeat, given the two thresholds. */
    public static NodeState after(java.time.Duration silentFor, java.time.Duration notReadyAfter, java.time.Duration lostAfter) {
        if (silentFor.compareTo(lostAfter) >= 0) {
            return LOST;
        }
        if (silentFor.compareTo(notReadyAfter) >= 0) {
            return NOT_READY;
        }
        return READY;
    }
}
