package dev.roost.core.workspace;

/**
 * A member's role in one workspace, from most to least powerful. A role includes every
 * permission of the roles below it.
 * <ul>
 *   <li>OWNER: everything, including owners and deleting the workspace's instances for good.</li>
 *   <li>ADMIN: members (not owners), instances, policy overrides.</li>
 *   <li>OPERATOR: create, apply and operate instances (start, stop, restart, rename, tag).</li>
 *   <li>VIEWER: read only.</li>
 * </ul>
 */
public enum Role {
    OWNER(4),
    ADMIN(3),
    OPERATOR(2),
    VIEWER(1);

    private final int rank;

    Role(int rank) {
        this.rank = rank;
    }

    public boolean atLeast(Role other) {
        return rank >= other.rank;
    }
}
