package dev.roost.server.workspaces;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.workspace.Role;
import dev.roost.server.workspaces.MemberRules.Decision;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class MemberRulesTest {
    private static Decision decide(Role actor, boolean self, Role current, Role next, long owners) {
        return MemberRules.decide(actor, self, current, next, owners);
    }

    private static ErrorCode refusal(Decision d) {
        return d instanceof Decision.Refused r ? r.code() : null;
    }

    @Test
    void ownersMayDoAnythingButLeaveTheWorkspaceWithoutAnOwner() {
        assertThat(decide(Role.OWNER, false, null, Role.OWNER, 1)).isInstanceOf(Decision.Allowed.class);
        assertThat(decide(Role.OWNER, false, Role.OWNER, Role.VIEWER, 2)).isInstanceOf(Decision.Allowed.class);
        assertThat(refusal(decide(Role.OWNER, true, Role.OWNER, Role.ADMIN, 1))).isEqualTo(ErrorCode.CONFLICT);
        assertThat(refusal(decide(Role.OWNER, false, Role.OWNER, null, 1))).isEqualTo(ErrorCode.CONFLICT);
    }

    @Test
    void adminsManageTheRolesBelowThem() {
        assertThat(decide(Role.ADMIN, false, null, Role.ADMIN, 1)).isInstanceOf(Decision.Allowed.class);
        assertThat(decide(Role.ADMIN, false, Role.VIEWER, Role.OPERATOR, 1)).isInstanceOf(Decision.Allowed.class);
        assertThat(decide(Role.ADMIN, false, Role.OPERATOR, null, 1)).isInstanceOf(Decision.Allowed.class);
        assertThat(decide(Role.ADMIN, true, Role.ADMIN, null, 1)).as("leaving").isInstanceOf(Decision.Allowed.class);
        assertThat(refusal(decide(Role.ADMIN, false, Role.ADMIN, Role.VIEWER, 1))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refusal(decide(Role.ADMIN, false, Role.VIEWER, Role.OWNER, 1))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refusal(decide(Role.ADMIN, false, Role.OWNER, null, 2))).isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void operatorsAndViewersChangeNobody() {
        assertThat(refusal(decide(Role.OPERATOR, false, null, Role.VIEWER, 1))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refusal(decide(Role.VIEWER, true, Role.VIEWER, null, 1))).isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Property
    void noAllowedChangeLeavesAWorkspaceWithoutAnOwner(@ForAll Role actor, @ForAll boolean self, @ForAll Role current,
            @ForAll Role nextRole, @ForAll boolean remove, @ForAll @LongRange(min = 1, max = 3) long owners) {
        Role next = remove ? null : nextRole;
        if (decide(actor, self, current, next, owners) instanceof Decision.Allowed) {
            long ownersAfter = owners - (current == Role.OWNER ? 1 : 0) + (next == Role.OWNER ? 1 : 0);
            assertThat(ownersAfter).isGreaterThanOrEqualTo(1);
        }
    }

    @Property
    void onlyOwnersTouchTheOwnerRole(@ForAll Role actor, @ForAll boolean self, @ForAll Role current, @ForAll Role nextRole,
            @ForAll boolean remove, @ForAll @LongRange(min = 1, max = 3) long owners) {
        Role next = remove ? null : nextRole;
        boolean touchesOwner = current == Role.OWNER || next == Role.OWNER;
        boolean touchesOtherAdmin = current == Role.ADMIN && !self;
        if (actor != Role.OWNER && (touchesOwner || touchesOtherAdmin)) {
            assertThat(refusal(decide(actor, self, current, next, owners))).isEqualTo(ErrorCode.FORBIDDEN);
        }
        if (!actor.atLeast(Role.ADMIN)) {
            assertThat(decide(actor, self, current, next, owners)).isInstanceOf(Decision.Refused.class);
        }
    }
}
