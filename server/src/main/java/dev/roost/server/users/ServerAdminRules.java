package dev.roost.server.users;

import java.util.Optional;

/**
 * What keeps a server from losing its last way in: nobody disables, demotes or deletes their
 * own account through the admin routes, and the last enabled server admin stays one. Pure, so
 * the rule is tested on its own; the caller holds the server-admins lock while it counts.
 */
final class ServerAdminRules {
    private ServerAdminRules() {
    }

    /**
     * Why a change of a user must be refused, if it must.
     *
     * @param self             the caller changes their own account
     * @param activeAdminNow   the user is an enabled server admin before the change
     * @param activeAdminAfter the user is an enabled server admin after the change (false for deletion)
     * @param activeAdmins     enabled server admins before the change
     */
    static Optional<String> refusal(boolean self, boolean activeAdminNow, boolean activeAdminAfter, long activeAdmins) {
        if (!activeAdminNow || activeAdminAfter) {
            return Optional.empty();
        }
        if (self) {
            return Optional.of("You cannot remove your own server admin rights or account here; ask another server admin.");
        }
        if (activeAdmins <= 1) {
            return Optional.of("This is the last enabled server admin. Make another user a server admin first.");
        }
        return Optional.empty();
    }
}
