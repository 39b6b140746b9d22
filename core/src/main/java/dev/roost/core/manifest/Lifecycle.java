package dev.roost.core.manifest;

/** Self-healing and rollout behaviour. */
public record Lifecycle(boolean selfHeal, int rolloutDeadlineSeconds) {
    public static final Lifecycle DEFAULT = new Lifecycle(true, 300);
}
