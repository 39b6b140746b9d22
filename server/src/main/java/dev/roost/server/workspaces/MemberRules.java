package dev.roost.server.workspaces;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.workspace.Role;

/**
 * Who may change whose role in a workspace. The rule, in full:
 * <ul>
 *   <li>An OWNER (a server admin counts as one) may add, change and remove anyone, OWNERs included.</li>
 *   <li>An ADMIN may add members as ADMIN, OPERATOR or VIEWER, change or remove OPERATORs and
 *       VIEWERs, and step down or leave themselves; never grant or take away OWNER, never
 *       change or remove another ADMIN.</li>
 *   <li>OPERATORs and VIEWERs change nobody.</li>
 *   <li>Whoever asks, the last OWNER is never demoted or removed (CONFLICT).</li>
 * </ul>
 * Pure, so it is tested on its own; callers hold the workspace's membership lock while they
 * count owners.
 */
public final class MemberRules {
    private MemberRules() {
    }

    /** The answer to one requested change. */
    public sealed interface Decision {
        record Allowed() implements Decision {
        }

        record Refused(ErrorCode code, String reason) implements Decision {
        }
    }

    private static final Decision ALLOWED = new Decision.Allowed();

    /**
     * @param actor   the caller's effective role in the workspace
     * @param self    the caller changes their own membership
     * @param current the member's role now, null when not a member yet
     * @param next    the role asked for, null to remove the member
     * @param owners  how many OWNERs the workspace has now
     */
    public static Decision decide(Role actor, boolean self, Role current, Role next, long owners) {
        if (current == null && next == null) {
            return new Decision.Refused(ErrorCode.NOT_FOUND, "is not a member of this workspace");
        }
        Decision authority = authority(actor, self, current, next);
        if (!(authority instanceof Decision.Allowed)) {
            return authority;
        }
        if (current == Role.OWNER && next != Role.OWNER && owners <= 1) {
            return new Decision.Refused(ErrorCode.CONFLICT, "is the last OWNER of this workspace; make another member OWNER first");
        }
        return ALLOWED;
    }

    private static Decision authority(Role actor, boolean self, Role current, Role next) {
        return switch (actor) {
            case OWNER -> ALLOWED;
            case ADMIN -> {
                if (current == Role.OWNER || next == Role.OWNER) {
                    yield forbidden("Only an OWNER may grant or take away the OWNER role.");
                }
                if (current == Role.ADMIN && !self) {
                    yield forbidden("Only an OWNER may change or remove another ADMIN.");
                }
                yield ALLOWED;
            }
            case OPERATOR, VIEWER -> forbidden("Changing members needs the ADMIN role (or higher).");
        };
    }

    private static Decision forbidden(String reason) {
        return new Decision.Refused(ErrorCode.FORBIDDEN, reason);
    }
}
