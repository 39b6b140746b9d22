package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.Fields;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code roost user}: local accounts, for server admins. */
@Command(mixinStandardHelpOptions = true, name = "user", aliases = "users", description = "User accounts (server admins): list, get, create, disable, enable, delete.")
final class UserCommand {
    private final Connection connection;

    UserCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    private static String path(String user) {
        return "/api/v1/users/" + RoostClient.segment(user);
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List users.")
    int list(@Mixin OutputOption output) {
        JsonNode users = connection.client().get("/api/v1/users").json();
        Table table = Table.of("username", "display name", "server admin", "disabled", "created");
        for (JsonNode u : users) {
            table.row(u.path("username").asString(null), u.path("displayName").asString(null),
                    u.path("serverAdmin").asBoolean() ? "yes" : "no", u.path("disabled").asBoolean() ? "yes" : "no",
                    TimeText.timestamp(u.path("createdAt").asString(null)));
        }
        connection.printer().list(output.format(), users, table, "There are no users.");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "get", aliases = "show", description = "Show a user and their workspace roles.")
    int get(@Parameters(paramLabel = "USER") String user, @Mixin OutputOption output) {
        JsonNode u = connection.client().get(path(user)).json();
        connection.printer().print(output.format(), u, () -> {
            List<String> roles = new ArrayList<>();
            u.path("memberships").forEach(m -> roles.add(m.path("workspace").asString() + " (" + m.path("role").asString() + ")"));
            return new Fields()
                    .add("Username", u.path("username").asString(null))
                    .add("Display name", u.path("displayName").asString(null))
                    .add("Server admin", u.path("serverAdmin").asBoolean() ? "yes" : "no")
                    .add("Disabled", u.path("disabled").asBoolean() ? "yes" : "no")
                    .add("Workspaces", String.join(", ", roles))
                    .add("Created", TimeText.timestamp(u.path("createdAt").asString(null)))
                    .render();
        });
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "create", description = {"Create a user. The password is asked for twice on a terminal, or read from "
            + "the first line of standard input; it is never taken as an argument.",
            "Example: printf '%s\\n' \"$PASSWORD\" | roost user create bob"})
    int create(@Parameters(paramLabel = "USER") String user,
            @Option(names = "--admin", description = "Make them a server admin.") boolean admin,
            @Option(names = "--display-name", paramLabel = "TEXT") String displayName,
            @Option(names = "--password-stdin", description = "Read the password from standard input even on a terminal.")
            boolean passwordStdin,
            @Mixin OutputOption output) {
        String password = connection.password(passwordStdin, "Password for " + user + ": ", true);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("username", user);
        body.put("password", password);
        body.put("serverAdmin", admin);
        if (displayName != null) {
            body.put("displayName", displayName);
        }
        JsonNode created = connection.client().post("/api/v1/users", body).json();
        connection.printer().print(output.format(), created, () -> "user/" + user + " created" + (admin ? " (server admin)" : ""));
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "disable", description = "Disable a user: they cannot sign in, and their sessions end.")
    int disable(@Parameters(paramLabel = "USER") String user) {
        connection.client().patch(path(user), Map.of("disabled", true));
        connection.printer().line("user/" + user + " disabled");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "enable", description = "Enable a disabled user again.")
    int enable(@Parameters(paramLabel = "USER") String user) {
        connection.client().patch(path(user), Map.of("disabled", false));
        connection.printer().line("user/" + user + " enabled");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "delete", description = {"Delete a user; their memberships and API tokens go with them.",
            "Asks for confirmation on a terminal; in scripts pass --yes."})
    int delete(@Parameters(paramLabel = "USER") String user,
            @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.") boolean yes) {
        connection.confirm("Delete user " + user + "?", yes, "delete user " + user);
        connection.client().delete(path(user));
        connection.printer().line("user/" + user + " deleted");
        return ExitCodes.OK;
    }
}
