package dev.roost.core.node;

/**
 * Whether a node is heard from. A heartbeat makes it READY; silence beyond the not-ready
 * threshold makes it NOT_READY, beyond the lost threshold LOST. A LOST node that heartbeats
 * again becomes READY again.
 */
public enum NodeState {
    READY,
    NOT_READY,
    LOST
}
