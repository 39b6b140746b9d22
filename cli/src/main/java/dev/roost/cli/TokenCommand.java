package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code roost token}: API tokens for automation ({@code ROOST_TOKEN}). */
@Command(mixinStandardHelpOptions = true, name = "token", aliases = "tokens", description = "Your API tokens, for scripts and CI (ROOST_TOKEN): create, list, revoke.")
final class TokenCommand {
    private final Connection connection;

    TokenCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    @Command(mixinStandardHelpOptions = true, name = "create", description = {"Create an API token. It is printed once, on standard output; store it then.",
            "Example: export ROOST_TOKEN=$(roost token create ci --expires-in-days 90)"})
    int create(@Parameters(paramLabel = "NAME", description = "What it is for.") String name,
            @Option(names = "--expires-in-days", paramLabel = "DAYS", description = "Lifetime in days (1-3650; default: no expiry).")
            Integer days,
            @Mixin OutputOption output) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        if (days != null) {
            body.put("expiresInDays", days);
        }
        JsonNode created = connection.client().post("/api/v1/tokens", body).json();
        connection.context().err().println("Created API token " + name + " (id " + created.path("id").asString() + ", "
                + (created.path("expiresAt").isMissingNode() ? "no expiry" : "expires " + TimeText.timestamp(
                        created.path("expiresAt").asString())) + ").");
        connection.context().err().println("WARNING: store it now, somewhere safe: it is shown once and cannot be shown again.");
        connection.printer().print(output.format(), created, () -> created.path("token").asString());
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List your API tokens (never their values).")
    int list(@Mixin OutputOption output) {
        JsonNode tokens = connection.client().get("/api/v1/tokens").json();
        Table table = Table.of("id", "name", "prefix", "active", "expires", "last used", "created");
        for (JsonNode t : tokens) {
            table.row(t.path("id").asString(null), t.path("name").asString(null), t.path("prefix").asString(null),
                    t.path("active").asBoolean() ? "yes" : t.path("revokedAt").isMissingNode() ? "expired" : "revoked",
                    TimeText.timestamp(t.path("expiresAt").asString(null)),
                    TimeText.timestamp(t.path("lastUsedAt").asString(null)),
                    TimeText.timestamp(t.path("createdAt").asString(null)));
        }
        connection.printer().list(output.format(), tokens, table, "You have no API tokens.");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "revoke", description = "Revoke one of your API tokens, by id or by name.")
    int revoke(@Parameters(paramLabel = "ID|NAME") String token) {
        RoostClient client = connection.client();
        String id = isUuid(token) ? token : idOf(client, token);
        client.delete("/api/v1/tokens/" + RoostClient.segment(id));
        connection.printer().line("token/" + token + " revoked");
        return ExitCodes.OK;
    }

    /** The id of the one active token with this name. */
    private static String idOf(RoostClient client, String name) {
        List<JsonNode> matches = client.get("/api/v1/tokens").json().valueStream()
                .filter(t -> name.equals(t.path("name").asString(null)) && t.path("active").asBoolean()).toList();
        if (matches.isEmpty()) {
            throw new CliException(ExitCodes.NOT_FOUND, "You have no active API token named " + name + " (roost token list).");
        }
        if (matches.size() > 1) {
            throw new CliException(ExitCodes.USAGE, "Several active API tokens are named " + name + "; revoke one by its id "
                    + "(roost token list).");
        }
        return matches.get(0).path("id").asString();
    }

    private static boolean isUuid(String text) {
        try {
            UUID.fromString(text);
            return text.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
