package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code roost member}: who is in a workspace, with which role. */
@Command(mixinStandardHelpOptions = true, name = "member", aliases = "members", description = "Members of a workspace and their roles: list, set, remove.")
final class MemberCommand {
    private final Connection connection;

    MemberCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    private static String path(String workspace) {
        return WorkspaceCommand.path(workspace) + "/members";
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List the members of a workspace.")
    int list(@Mixin WorkspaceOption workspaceOption, @Mixin OutputOption output) {
        String workspace = connection.workspace(workspaceOption.name());
        JsonNode members = connection.client().get(path(workspace)).json();
        Table table = Table.of("user", "role", "since");
        for (JsonNode m : members) {
            table.row(m.path("username").asString(null), m.path("role").asString(null),
                    TimeText.timestamp(m.path("since").asString(null)));
        }
        connection.printer().list(output.format(), members, table, "Workspace " + workspace + " has no members.");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "set", description = {"Add a user to a workspace, or change their role.",
            "Roles: OWNER, ADMIN, OPERATOR, VIEWER. Example: roost member set bob OPERATOR"})
    int set(@Parameters(index = "0", paramLabel = "USER") String user,
            @Parameters(index = "1", paramLabel = "ROLE", completionCandidates = Roles.class) String role,
            @Mixin WorkspaceOption workspaceOption, @Mixin OutputOption output) {
        String workspace = connection.workspace(workspaceOption.name());
        JsonNode member = connection.client().put(path(workspace) + "/" + RoostClient.segment(user),
                Map.of("role", role.toUpperCase(Locale.ROOT))).json();
        connection.printer().print(output.format(), member, () -> "member/" + user + " is " + member.path("role").asString()
                + " in workspace " + workspace);
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "remove", description = "Remove a user from a workspace.")
    int remove(@Parameters(paramLabel = "USER") String user, @Mixin WorkspaceOption workspaceOption) {
        String workspace = connection.workspace(workspaceOption.name());
        connection.client().delete(path(workspace) + "/" + RoostClient.segment(user));
        connection.printer().line("member/" + user + " removed from workspace " + workspace);
        return ExitCodes.OK;
    }

    /** Role names for shell completion. */
    static final class Roles implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("OWNER", "ADMIN", "OPERATOR", "VIEWER").iterator();
        }
    }
}
