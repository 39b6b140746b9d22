package dev.roost.core.policy;

import static java.util.Objects.requireNonNull;

import dev.roost.core.workspace.Quota;

/**
 * What policy needs besides the manifest: the workspace's quota and what the workspace's
 * other live instances already use (the instance being applied is excluded, so an update
 * is not counted twice). The server computes the usage, e.g. by summing
 * {@link QuotaUsage#of} over the other instances.
 */
public record PolicyContext(Quota quota, QuotaUsage usageOfOtherInstances) {
    public PolicyContext {
        requireNonNull(quota, "quota is null");
        requireNonNull(usageOfOtherInstances, "usageOfOtherInstances is null");
    }
}
