package dev.roost.server.users;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.identity.User;
import dev.roost.core.workspace.Role;
import dev.roost.server.auth.PasswordHasher;
import dev.roost.server.auth.PasswordPolicy;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Reply;
import dev.roost.store.Session;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Local user accounts, managed by server admins: create, list, show with memberships, change
 * (display name, admin rights, disabled, password reset) and delete. Disabling a user or
 * resetting their password signs them out everywhere.
 */
public final class UserRoutes {
    private static final Pattern USERNAME = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");
    private static final int MAX_DISPLAY_NAME = 200;
    private static final int MAX_PASSWORD = 1024;
    /** Serialises changes that could remove the last enabled server admin. */
    private static final String ADMINS_LOCK = "roost.server-admins";

    private final PasswordHasher hasher;

    public UserRoutes(PasswordHasher hasher) {
        this.hasher = requireNonNull(hasher, "hasher is null");
    }

    public record CreateUserRequest(String username, String displayName, String password, Boolean serverAdmin) {
        @Override
        public String toString() {
            return "CreateUserRequest[username=" + username + "]";
        }
    }

    public record UpdateUserRequest(String displayName, Boolean serverAdmin, Boolean disabled, String password) {
        @Override
        public String toString() {
            return "UpdateUserRequest[displayName=" + displayName + ", serverAdmin=" + serverAdmin + ", disabled=" + disabled
                    + ", password=" + (password == null ? "unchanged" : "(new)") + "]";
        }
    }

    public record UserView(UUID id, String username, String displayName, boolean serverAdmin, boolean disabled,
            Instant createdAt) {
        static UserView of(User u) {
            return new UserView(u.id(), u.username(), u.displayName(), u.serverAdmin(), u.disabled(), u.createdAt());
        }
    }

    public record Membership(String workspace, String displayName, Role role) {
    }

    public record UserDetail(UUID id, String username, String displayName, boolean serverAdmin, boolean disabled,
            Instant createdAt, List<Membership> memberships) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/api/v1/users", Access.SERVER_ADMIN, "List users", this::list).returnsListOf(UserView.class),
                ApiRoute.post("/api/v1/users", Access.SERVER_ADMIN, "Create a user", this::create)
                        .accepts(CreateUserRequest.class).returns(UserView.class),
                ApiRoute.get("/api/v1/users/{username}", Access.SERVER_ADMIN, "Show a user and their workspace roles",
                        this::show).returns(UserDetail.class),
                ApiRoute.patch("/api/v1/users/{username}", Access.SERVER_ADMIN,
                        "Change a user: display name, server admin, disabled, password reset", this::update)
                        .accepts(UpdateUserRequest.class).returns(UserView.class),
                ApiRoute.delete("/api/v1/users/{username}", Access.SERVER_ADMIN, "Delete a user", this::delete));
    }

    private Object list(Call call) {
        return call.session().users().list().stream().map(UserView::of).toList();
    }

    private Object show(Call call) {
        User user = find(call.session(), call.path("username"));
        List<Membership> memberships = call.session().workspaces().listForMember(user.id()).stream()
                .map(v -> new Membership(v.workspace().name(), v.workspace().displayName(), v.role())).toList();
        return new UserDetail(user.id(), user.username(), user.displayName(), user.serverAdmin(), user.disabled(),
                user.createdAt(), memberships);
    }

    private Object create(Call call) {
        CreateUserRequest request = call.body(CreateUserRequest.class);
        Checks checks = new Checks();
        if (request.username() == null) {
            checks.required("/username", null);
        } else {
            checks.that(USERNAME.matcher(request.username()).matches(), "/username",
                    "must be 1 to 64 letters, digits, dots, dashes or underscores");
        }
        checks.maxLength("/displayName", request.displayName(), MAX_DISPLAY_NAME);
        checkPassword(checks, "/password", request.password(), true);
        checks.throwIfAny();
        boolean admin = Boolean.TRUE.equals(request.serverAdmin());
        String displayName = request.displayName() == null || request.displayName().isBlank() ? request.username()
                : request.displayName();
        User user = call.session().users().create(request.username(), displayName, hasher.hash(request.password()), admin);
        call.audit("user.create", "user", user.username(), Map.of("displayName", displayName, "serverAdmin", admin));
        return Reply.created(UserView.of(user));
    }

    private Object update(Call call) {
        UpdateUserRequest request = call.body(UpdateUserRequest.class);
        Checks checks = new Checks().maxLength("/displayName", request.displayName(), MAX_DISPLAY_NAME);
        checkPassword(checks, "/password", request.password(), false);
        checks.throwIfAny();
        Session session = call.session();
        session.lock(ADMINS_LOCK);
        User before = find(session, call.path("username"));
        String displayName = request.displayName() == null ? before.displayName() : request.displayName();
        boolean admin = request.serverAdmin() == null ? before.serverAdmin() : request.serverAdmin();
        boolean disabled = request.disabled() == null ? before.disabled() : request.disabled();
        refuseIfLockedOut(call, session, before, admin && !disabled);

        Map<String, Object> details = new LinkedHashMap<>();
        List<String> changed = new ArrayList<>();
        if (!displayName.equals(before.displayName())) {
            changed.add("displayName");
            details.put("displayName", Map.of("from", before.displayName(), "to", displayName));
        }
        if (admin != before.serverAdmin()) {
            changed.add("serverAdmin");
            details.put("serverAdmin", admin);
        }
        if (disabled != before.disabled()) {
            changed.add("disabled");
            details.put("disabled", disabled);
        }
        if (!changed.isEmpty()) {
            session.users().update(before.id(), displayName, admin, disabled);
        }
        if (request.password() != null) {
            changed.add("password");
            session.users().setPasswordHash(before.id(), hasher.hash(request.password()));
            details.put("passwordReset", true);
        }
        if (request.password() != null || (disabled && !before.disabled())) {
            int revoked = session.refreshTokens().revokeAllOfUser(before.id(), call.now())
                    + session.consoleSessions().endAllOfUser(before.id(), call.now());
            details.put("sessionsRevoked", revoked);
        }
        User after = session.users().findById(before.id()).orElseThrow();
        if (changed.isEmpty()) {
            return UserView.of(after); // nothing changed, nothing to record
        }
        details.put("changed", changed);
        call.audit("user.update", "user", after.username(), details);
        return UserView.of(after);
    }

    private Object delete(Call call) {
        Session session = call.session();
        session.lock(ADMINS_LOCK);
        User user = find(session, call.path("username"));
        if (call.principal().userId() != null && call.principal().userId().equals(user.id())) {
            throw new RoostException(ErrorCode.CONFLICT, "You cannot delete your own account; ask another server admin.");
        }
        refuseIfLockedOut(call, session, user, false);
        List<String> soleOwner = session.memberships().workspacesSolelyOwnedBy(user.id());
        if (!soleOwner.isEmpty()) {
            throw new RoostException(ErrorCode.CONFLICT, "User " + user.username() + " is the only OWNER of workspace(s) "
                    + String.join(", ", soleOwner) + ". Make someone else OWNER there first.",
                    List.of(), Map.of("workspaces", soleOwner));
        }
        List<String> workspaces = session.workspaces().listForMember(user.id()).stream()
                .map(v -> v.workspace().name()).toList();
        session.users().delete(user.id()); // memberships and tokens go with the row
        call.audit("user.delete", "user", user.username(), Map.of("serverAdmin", user.serverAdmin(),
                "leftWorkspaces", workspaces));
        return null;
    }

    private static void refuseIfLockedOut(Call call, Session session, User target, boolean activeAdminAfter) {
        boolean self = call.principal().userId() != null && call.principal().userId().equals(target.id());
        boolean activeAdminNow = target.serverAdmin() && !target.disabled();
        Optional<String> refusal = ServerAdminRules.refusal(self, activeAdminNow, activeAdminAfter,
                activeAdminNow && !activeAdminAfter ? session.users().countActiveAdmins() : 0);
        if (refusal.isPresent()) {
            throw new RoostException(ErrorCode.CONFLICT, refusal.get());
        }
    }

    private static void checkPassword(Checks checks, String pointer, String password, boolean required) {
        if (password == null) {
            if (required) {
                checks.required(pointer, null);
            }
            return;
        }
        checks.maxLength(pointer, password, MAX_PASSWORD);
        try {
            PasswordPolicy.check(pointer, password);
        } catch (RoostException e) {
            e.fieldErrors().forEach(f -> checks.that(false, f.pointer(), f.message()));
        }
    }

    static User find(Session session, String username) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw RoostException.notFound("User " + Json.abbreviate(username));
        }
        return session.users().findByUsername(username).orElseThrow(() -> RoostException.notFound("User " + username));
    }

}
