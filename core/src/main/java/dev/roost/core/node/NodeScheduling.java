package dev.roost.core.node;

/**
 * Whether new work may be placed on a node: SCHEDULABLE takes new jobs; CORDONED takes none
 * but keeps what it runs; DRAINING takes none and is asked to finish or hand back what it runs.
 */
public enum NodeScheduling {
    SCHEDULABLE,
    CORDONED,
    DRAINING
}
