package dev.roost.core.workspace;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A named bundle of quotas a workspace is on. Roost ships four; a server admin may edit
 * them or add more. A workspace may carry its own quota override (business, sovereign).
 */
public record Plan(String name, String description, Quota quota) {
    private static final long GIB = 1024L * 1024 * 1024;

    public Plan {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        requireNonNull(quota, "quota is null");
    }

    public static List<Plan> builtIn() {
        return List.of(
                new Plan("starter", "Two small instances to try Roost", new Quota(2, 1_000, GIB, 2_000, 2 * GIB)),
                new Plan("team", "Ten instances for a team", new Quota(10, 2_000, 4 * GIB, 10_000, 20 * GIB)),
                new Plan("business", "25 instances and more by quota", new Quota(25, 4_000, 8 * GIB, 50_000, 100 * GIB)),
                new Plan("sovereign", "Custom quotas agreed with the operator", new Quota(100, 8_000, 32 * GIB, 400_000, 1024 * GIB)));
    }
}
