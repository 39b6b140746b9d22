package dev.roost.server.workspaces;

import dev.roost.core.error.RoostException;
import dev.roost.core.identity.User;
import dev.roost.core.workspace.Member;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Reply;
import dev.roost.store.Session;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Members of a workspace and their roles; who may change whom is {@link MemberRules}. */
public final class MemberRoutes {
    public record MemberRequest(Role role) {
    }

    public record MemberView(String username, Role role, Instant since) {
        static MemberView of(Member m) {
            return new MemberView(m.username(), m.role(), m.since());
        }
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/api/v1/workspaces/{ws}/members", Access.workspace(Role.VIEWER), "List members and their roles",
                        this::list).returnsListOf(MemberView.class),
                ApiRoute.put("/api/v1/workspaces/{ws}/members/{username}", Access.workspace(Role.ADMIN),
                        "Add a member or change their role", this::put)
                        .accepts(MemberRequest.class).returns(MemberView.class),
                ApiRoute.delete("/api/v1/workspaces/{ws}/members/{username}", Access.workspace(Role.ADMIN),
                        "Remove a member", this::remove));
    }

    private Object list(Call call) {
        return call.session().memberships().list(call.workspace().id()).stream().map(MemberView::of).toList();
    }

    private Object put(Call call) {
        MemberRequest request = call.body(MemberRequest.class);
        new Checks().required("/role", request.role()).throwIfAny();
        Session session = call.session();
        Workspace workspace = call.workspace();
        User user = findUser(session, call.path("username"));
        lockMembers(session, workspace);
        Optional<Role> current = session.memberships().roleOf(workspace.id(), user.id());
        enforce(call, session, user, current.orElse(null), request.role());
        if (current.isPresent() && current.get() == request.role()) {
            return MemberView.of(session.memberships().find(workspace.id(), user.id()).orElseThrow());
        }
        session.memberships().put(workspace.id(), user.id(), request.role());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("role", request.role().name());
        current.ifPresent(previous -> details.put("previousRole", previous.name()));
        call.audit("member.put", "member", user.username(), details);
        MemberView view = MemberView.of(session.memberships().find(workspace.id(), user.id()).orElseThrow());
        return current.isPresent() ? view : Reply.created(view);
    }

    private Object remove(Call call) {
        Session session = call.session();
        Workspace workspace = call.workspace();
        User user = findUser(session, call.path("username"));
        lockMembers(session, workspace);
        Role current = session.memberships().roleOf(workspace.id(), user.id())
                .orElseThrow(() -> RoostException.notFound("Member " + user.username() + " of workspace " + workspace.name()));
        enforce(call, session, user, current, null);
        session.memberships().remove(workspace.id(), user.id());
        call.audit("member.remove", "member", user.username(), Map.of("role", current.name()));
        return null;
    }

    private static void enforce(Call call, Session session, User user, Role current, Role next) {
        boolean self = user.id().equals(call.principal().userId());
        long owners = current == Role.OWNER ? session.memberships().countOwners(call.workspace().id()) : 0;
        MemberRules.Decision decision = MemberRules.decide(call.role(), self, current, next, owners);
        if (decision instanceof MemberRules.Decision.Refused refused) {
            String message = switch (refused.code()) {
                case FORBIDDEN -> refused.reason();
                default -> "User " + user.username() + " " + refused.reason() + ".";
            };
            throw new RoostException(refused.code(), message);
        }
    }

    /** Serialises membership changes of one workspace, so two requests cannot both remove "another" OWNER. */
    private static void lockMembers(Session session, Workspace workspace) {
        session.lock("roost.workspace-members:" + workspace.id());
    }

    private static User findUser(Session session, String username) {
        if (username == null || username.length() > 64) {
            throw RoostException.notFound("User " + Json.abbreviate(username));
        }
        return session.users().findByUsername(username).orElseThrow(() -> RoostException.notFound("User " + username));
    }
}
