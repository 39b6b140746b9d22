package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.ApiResponse;
import dev.roost.cli.client.RequestBody;
import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code roost secret}: the workspace's secret store. Values go in from a file, standard input
 * or a no-echo prompt, never from an argument (which would land in shell history and
 * {@code ps}), and never come back out: only metadata is shown.
 */
@Command(mixinStandardHelpOptions = true, name = "secret", aliases = "secrets",
        description = "Secrets of a workspace: set, list, get (metadata only), verify, delete.")
final class SecretCommand {
    private static final String OCTETS = "application/octet-stream";

    private final Connection connection;

    SecretCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    private static String path(String workspace) {
        return WorkspaceCommand.path(workspace) + "/secrets";
    }

    @Command(mixinStandardHelpOptions = true, name = "set", description = {
            "Create or change a secret. The value comes from --from-file (byte for byte), else standard input "
                    + "(one trailing newline removed), else a prompt that does not echo.",
            "Example: printf '%s' \"$TOKEN\" | roost secret set telegram-bot-token"})
    int set(@Parameters(paramLabel = "NAME") String name,
            @Option(names = "--from-file", paramLabel = "FILE", description = "Read the value from this file, unchanged.") Path file,
            @Mixin WorkspaceOption workspaceOption, @Mixin OutputOption output) {
        String workspace = connection.workspace(workspaceOption.name());
        byte[] value = value(file, true);
        try {
            ApiResponse response = connection.client().send("PUT", path(workspace) + "/" + RoostClient.segment(name),
                    new RequestBody(value, OCTETS));
            JsonNode body = response.json();
            connection.printer().print(output.format(), body, () -> "secret/" + name + " "
                    + body.path("outcome").asString("").toLowerCase(java.util.Locale.ROOT) + " (version "
                    + body.path("secret").path("version").asInt() + ")");
        } finally {
            Arrays.fill(value, (byte) 0);
        }
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List secrets: names and metadata, never values.")
    int list(@Mixin WorkspaceOption workspaceOption, @Mixin OutputOption output) {
        String workspace = connection.workspace(workspaceOption.name());
        JsonNode secrets = connection.client().get(path(workspace)).json();
        Table table = Table.of("name", "version", "size", "updated", "by", "used by");
        for (JsonNode s : secrets) {
            table.row(s.path("name").asString(null), s.path("version").asString(), s.path("size").asString() + " B",
                    TimeText.timestamp(s.path("updatedAt").asString(null)), s.path("updatedBy").asString(null), usedBy(s));
        }
        connection.printer().list(output.format(), secrets, table, "Workspace " + workspace
                + " has no secrets. Add one with: roost secret set NAME");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "get", description = "A secret's metadata (its value is never shown).")
    int get(@Parameters(paramLabel = "NAME") String name, @Mixin WorkspaceOption workspaceOption, @Mixin OutputOption output) {
        String workspace = connection.workspace(workspaceOption.name());
        JsonNode s = connection.client().get(path(workspace) + "/" + RoostClient.segment(name)).json();
        connection.printer().print(output.format(), s, () -> String.join("\n",
                "Name:        " + s.path("name").asString(""),
                "Version:     " + s.path("version").asString(),
                "Size:        " + s.path("size").asString() + " bytes",
                "Created:     " + TimeText.timestamp(s.path("createdAt").asString(null)) + " by " + s.path("createdBy").asString(""),
                "Updated:     " + TimeText.timestamp(s.path("updatedAt").asString(null)) + " by " + s.path("updatedBy").asString(""),
                "Used by:     " + usedBy(s)) + "\n");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "verify", description = {
            "Check whether a value is the secret's current value, without seeing it. Exit 0 when it matches, 1 when not.",
            "The value is read like for set."})
    int verify(@Parameters(paramLabel = "NAME") String name,
            @Option(names = "--from-file", paramLabel = "FILE", description = "Read the value from this file, unchanged.") Path file,
            @Mixin WorkspaceOption workspaceOption) {
        String workspace = connection.workspace(workspaceOption.name());
        byte[] value = value(file, false);
        try {
            JsonNode body = connection.client().send("POST", path(workspace) + "/" + RoostClient.segment(name) + "/verify",
                    new RequestBody(value, OCTETS)).json();
            boolean matches = body.path("matches").asBoolean(false);
            connection.printer().line("secret/" + name + (matches ? " matches" : " does not match") + " (version "
                    + body.path("version").asInt() + ")");
            return matches ? ExitCodes.OK : ExitCodes.FAILED;
        } finally {
            Arrays.fill(value, (byte) 0);
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "delete", description = {"Delete a secret no live instance uses.",
            "Asks for confirmation on a terminal; in scripts pass --yes."})
    int delete(@Parameters(paramLabel = "NAME") String name, @Option(names = "--yes", description = "Do not ask.") boolean yes,
            @Mixin WorkspaceOption workspaceOption) {
        String workspace = connection.workspace(workspaceOption.name());
        connection.confirm("Delete secret " + name + " of workspace " + workspace + "? Its value cannot be recovered.", yes,
                "delete secret " + name);
        connection.client().delete(path(workspace) + "/" + RoostClient.segment(name));
        connection.printer().line("secret/" + name + " deleted");
        return ExitCodes.OK;
    }

    private byte[] value(Path file, boolean confirm) {
        if (file != null) {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read " + file + ": " + e.getMessage());
            }
        }
        CliContext context = connection.context();
        if (!context.interactive()) {
            try {
                byte[] all = context.in().readAllBytes();
                int end = all.length;
                if (end > 0 && all[end - 1] == '\n') {
                    end--;
                    if (end > 0 && all[end - 1] == '\r') {
                        end--;
                    }
                }
                byte[] value = Arrays.copyOf(all, end);
                Arrays.fill(all, (byte) 0);
                if (value.length == 0) {
                    throw new CliException(ExitCodes.USAGE, "No value on standard input. Pipe it in, e.g. printf '%s' \"$VALUE\" | "
                            + "roost secret set NAME, or use --from-file; values are never taken as arguments.");
                }
                return value;
            } catch (IOException e) {
                throw new CliException(ExitCodes.FAILED, "cannot read standard input: " + e.getMessage());
            }
        }
        char[] typed = context.terminal().readPassword("Value (not shown): ");
        if (typed == null || typed.length == 0) {
            throw new CliException(ExitCodes.USAGE, "No value given.");
        }
        if (confirm) {
            char[] again = context.terminal().readPassword("Repeat it: ");
            if (again == null || !Arrays.equals(typed, again)) {
                throw new CliException(ExitCodes.USAGE, "The values do not match.");
            }
            Arrays.fill(again, '\0');
        }
        byte[] bytes = new String(typed).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Arrays.fill(typed, '\0');
        return bytes;
    }

    private static String usedBy(JsonNode secret) {
        String names = StreamSupport.stream(secret.path("usedBy").spliterator(), false).map(n -> n.asString())
                .collect(Collectors.joining(", "));
        return names.isEmpty() ? "-" : names;
    }
}
