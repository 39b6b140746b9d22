package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** The model gateway's commands: {@code roost key}, {@code provider}, {@code model alias}, {@code usage}, {@code price}. */
final class GatewayCommands {
    private GatewayCommands() {
    }

    private static String workspacePath(Connection connection, WorkspaceOption option) {
        return WorkspaceCommand.path(connection.workspace(option.name()));
    }

    /** A collection that exists per workspace and server-wide: {@code /api/v1/gateway/NAME} or the workspace's {@code NAME}. */
    private static String scoped(Connection connection, WorkspaceOption workspace, boolean serverWide, String name) {
        return serverWide ? "/api/v1/gateway/" + name : workspacePath(connection, workspace) + "/" + name;
    }

    /** Reads a list, prints it as a table (one row per item) or in the chosen format, or the hint when it is empty. */
    private static void list(Connection connection, String path, OutputOption output, Table table,
            java.util.function.Function<JsonNode, String[]> row, String whenEmpty) {
        JsonNode items = connection.client().get(path).json();
        for (JsonNode item : items) {
            table.row(row.apply(item));
        }
        connection.printer().list(output.format(), items, table, whenEmpty);
    }

    /** Deletes one item of a collection and says so: {@code KIND/NAME removed}. */
    private static void remove(Connection connection, String path, String kind, String name, String done) {
        connection.client().delete(path + "/" + RoostClient.segment(name));
        connection.printer().line(kind + "/" + name + " " + done);
    }

    /** {@code roost key}: virtual keys for the model gateway. */
    @Command(mixinStandardHelpOptions = true, name = "key", aliases = "keys",
            description = "Virtual keys for the model gateway: create (shown once), list, revoke.")
    static final class Key {
        private final Connection connection;

        Key(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Command(mixinStandardHelpOptions = true, name = "create", description = {
                "Create a virtual key. It is printed once, on standard output; store it then.",
                "Example: roost key create ci-bot --models gpt-4o-mini,claude-sonnet --rpm 60 --budget 20USD/month --expires 30d"})
        int create(@Parameters(paramLabel = "NAME", description = "What the key is for.") String name,
                @Option(names = "--models", split = ",", paramLabel = "MODEL", description = "Models the key may use "
                        + "(default: all).") List<String> models,
                @Option(names = "--rpm", paramLabel = "N", description = "Requests per minute (default: unlimited).") Integer rpm,
                @Option(names = "--tpm", paramLabel = "N", description = "Tokens per minute (default: unlimited).") Integer tpm,
                @Option(names = "--budget", paramLabel = "AMOUNT", description = "Spending limit, e.g. 20USD/month, 1USD/day, "
                        + "100USD/total.") String budget,
                @Option(names = "--expires", paramLabel = "DURATION", description = "Lifetime, e.g. 12h or 30d (default: "
                        + "none).") String expires,
                @Option(names = "--instance", paramLabel = "INSTANCE", description = "The instance the key is for.") String instance,
                @Option(names = "--user", paramLabel = "USER", description = "The user the key is for.") String user,
                @Mixin WorkspaceOption workspace, @Mixin OutputOption output) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (models != null) {
                body.put("models", models);
            }
            putIfSet(body, "rpm", rpm);
            putIfSet(body, "tpm", tpm);
            putIfSet(body, "budget", budget);
            putIfSet(body, "expires", expires);
            putIfSet(body, "instance", instance);
            putIfSet(body, "user", user);
            JsonNode created = connection.client().post(workspacePath(connection, workspace) + "/keys", body).json();
            connection.context().err().println("Created virtual key " + name + " (id " + created.path("key").path("id")
                    .asString() + ", prefix " + created.path("key").path("prefix").asString() + ").");
            connection.context().err().println("WARNING: store it now, somewhere safe: it is shown once and cannot be shown "
                    + "again.");
            connection.printer().print(output.format(), created, () -> created.path("secret").asString());
            return ExitCodes.OK;
        }

        @Command(mixinStandardHelpOptions = true, name = "list", description = "List the workspace's virtual keys (never the "
                + "keys themselves).")
        int list(@Mixin WorkspaceOption workspace, @Mixin OutputOption output) {
            GatewayCommands.list(connection, workspacePath(connection, workspace) + "/keys", output,
                    Table.of("id", "name", "prefix", "active", "models", "rpm", "tpm", "budget", "expires"), k -> {
                        List<String> models = new ArrayList<>();
                        k.path("models").forEach(m -> models.add(m.asString()));
                        return new String[] {k.path("id").asString(null), k.path("name").asString(null),
                            k.path("prefix").asString(null), k.path("active").asBoolean() ? "yes"
                                    : k.path("revokedAt").isMissingNode() || k.path("revokedAt").isNull() ? "expired" : "revoked",
                            models.isEmpty() ? "all" : String.join(",", models), k.path("rpm").asString("-"),
                            k.path("tpm").asString("-"), k.path("budget").asString("-"),
                            TimeText.timestamp(k.path("expiresAt").asString(null))};
                    }, "No virtual keys yet. Create one with: roost key create NAME");
            return ExitCodes.OK;
        }

        @Command(mixinStandardHelpOptions = true, name = "revoke", description = "Revoke a virtual key, by id or by name.")
        int revoke(@Parameters(paramLabel = "ID|NAME") String key, @Mixin WorkspaceOption workspace) {
            RoostClient client = connection.client();
            String base = workspacePath(connection, workspace) + "/keys";
            String id = isUuid(key) ? key : idOf(client, base, key);
            client.delete(base + "/" + RoostClient.segment(id));
            connection.printer().line("key/" + key + " revoked");
            return ExitCodes.OK;
        }

        private static String idOf(RoostClient client, String base, String name) {
            List<JsonNode> matches = client.get(base).json().valueStream()
                    .filter(k -> name.equals(k.path("name").asString(null)) && k.path("active").asBoolean()).toList();
            if (matches.isEmpty()) {
                throw new CliException(ExitCodes.NOT_FOUND, "No active virtual key is named " + name + " (roost key list).");
            }
            if (matches.size() > 1) {
                throw new CliException(ExitCodes.USAGE, "Several active virtual keys are named " + name + "; revoke one by its "
                        + "id (roost key list).");
            }
            return matches.get(0).path("id").asString();
        }
    }

    /** {@code roost provider}: model providers. */
    @Command(mixinStandardHelpOptions = true, name = "provider", aliases = "providers",
            description = "Model providers the gateway routes to: add, list, remove.")
    static final class ProviderCommand {
        private final Connection connection;

        ProviderCommand(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        private String base(WorkspaceOption workspace, boolean server) {
            return scoped(connection, workspace, server, "providers");
        }

        @Command(mixinStandardHelpOptions = true, name = "add", description = {
                "Add a provider. Its API key is a secret reference, never the key: store the key first with "
                        + "'roost secret set NAME'.",
                "Example: roost provider add openai-main --kind openai --key secret:openai-key",
                "Server-wide (server admin): roost provider add anthropic --kind anthropic --server-wide --key secret:ops/anthropic-key"})
        int add(@Parameters(paramLabel = "NAME") String name,
                @Option(names = "--kind", required = true, paramLabel = "KIND", description = "openai, anthropic, gemini, "
                        + "openrouter, ollama or openai-compatible.") String kind,
                @Option(names = "--base-url", paramLabel = "URL", description = "The provider's base URL (default: the kind's "
                        + "public one).") String baseUrl,
                @Option(names = "--key", paramLabel = "secret:NAME", description = "The secret holding the provider's key "
                        + "(server-wide: secret:WORKSPACE/NAME).") String key,
                @Option(names = "--server-wide", description = "A server-wide provider, usable by every workspace (server admin).")
                boolean server,
                @Mixin WorkspaceOption workspace, @Mixin OutputOption output) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("kind", kind);
            putIfSet(body, "baseUrl", baseUrl);
            putIfSet(body, "key", key);
            JsonNode created = connection.client().post(base(workspace, server), body).json();
            connection.printer().print(output.format(), created, () -> "provider/" + name + " added ("
                    + created.path("kind").asString() + ", " + created.path("baseUrl").asString() + ")");
            return ExitCodes.OK;
        }

        @Command(mixinStandardHelpOptions = true, name = "list", description = "List providers (the workspace's own and the "
                + "server-wide ones; with --server only the server-wide ones).")
        int list(@Option(names = "--server-wide", description = "Server-wide providers only (server admin).") boolean server,
                @Mixin WorkspaceOption workspace, @Mixin OutputOption output) {
            GatewayCommands.list(connection, base(workspace, server), output, Table.of("name", "kind", "scope", "base url", "key"),
                    p -> new String[] {p.path("name").asString(null), p.path("kind").asString(null),
                        p.path("scope").asString(null), p.path("baseUrl").asString(null), p.path("key").asString("-")},
                    "No providers yet. Add one with: roost provider add NAME --kind openai --key secret:NAME");
            return ExitCodes.OK;
        }

        @Command(mixinStandardHelpOptions = true, name = "remove", aliases = "rm", description = "Remove a provider no model "
                + "alias uses.")
        int remove(@Parameters(paramLabel = "NAME") String name,
                @Option(names = "--server-wide", description = "A server-wide provider (server admin).") boolean server,
                @Mixin WorkspaceOption workspace) {
            GatewayCommands.remove(connection, base(workspace, server), "provider", name, "removed");
            return ExitCodes.OK;
        }
    }

    /** {@code roost model}: model aliases. */
    @Command(mixinStandardHelpOptions = true, name = "model", aliases = "models",
            description = "Model names clients use, mapped to providers: roost model alias set|list|remove.")
    static final class ModelCommand {
        ModelCommand() {
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "alias", aliases = "aliases",
            description = "Model aliases: a name clients send, mapped to an ordered list of provider/model targets.")
    static final class Alias {
        private final Connection connection;

        Alias(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        private String base(WorkspaceOption workspace, boolean server) {
            return scoped(connection, workspace, server, "models");
        }

        @Command(mixinStandardHelpOptions = true, name = "set", description = {
                "Create or replace an alias. Targets are tried in order (fallbacks); PROVIDER/MODEL[@WEIGHT] — with weights, "
                        + "the first target tried is drawn by weight.",
                "Example: roost model alias set fast openai-main/gpt-4o-mini openrouter/openai/gpt-4o-mini"})
        int set(@Parameters(index = "0", paramLabel = "ALIAS") String alias,
                @Parameters(index = "1..*", arity = "1..*", paramLabel = "PROVIDER/MODEL[@WEIGHT]") List<String> targets,
                @Option(names = "--server-wide", description = "A server-wide alias (server admin).") boolean server,
                @Mixin WorkspaceOption workspace, @Mixin OutputOption output) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (String target : targets) {
                int slash = target.indexOf('/');
                if (slash <= 0 || slash == target.length() - 1) {
                    throw new CliException(ExitCodes.USAGE, "A target is PROVIDER/MODEL[@WEIGHT], got " + target);
                }
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("provider", target.substring(0, slash));
                String model = target.substring(slash + 1);
                int at = model.lastIndexOf('@');
                if (at > 0 && model.substring(at + 1).matches("\\d{1,4}")) {
                    t.put("weight", Integer.parseInt(model.substring(at + 1)));
                    model = model.substring(0, at);
                }
                t.put("model", model);
                list.add(t);
            }
            JsonNode body = connection.client().put(base(workspace, server) + "/" + RoostClient.segment(alias),
                    Map.of("targets", list)).json();
            connection.printer().print(output.format(), body, () -> "model/" + alias + " -> " + describe(body));
            return ExitCodes.OK;
        }

        @Command(mixinStandardHelpOptions = true, name = "list", description = "List model aliases.")
        int list(@Option(names = "--server-wide", description = "Server-wide aliases only (server admin).") boolean server,
                @Mixin WorkspaceOption workspace, @Mixin OutputOption output) {
            GatewayCommands.list(connection, base(workspace, server), output, Table.of("alias", "scope", "targets", "updated"),
                    a -> new String[] {a.path("alias").asString(null), a.path("scope").asString(null), describe(a),
                        TimeText.timestamp(a.path("updatedAt").asString(null))},
                    "No model aliases yet. Set one with: roost model alias set ALIAS PROVIDER/MODEL");
            return ExitCodes.OK;
        }

        @Command(mixinStandardHelpOptions = true, name = "remove", aliases = "rm", description = "Remove a model alias.")
        int remove(@Parameters(paramLabel = "ALIAS") String alias,
                @Option(names = "--server-wide", description = "A server-wide alias (server admin).") boolean server,
                @Mixin WorkspaceOption workspace) {
            GatewayCommands.remove(connection, base(workspace, server), "model", alias, "removed");
            return ExitCodes.OK;
        }

        private static String describe(JsonNode alias) {
            List<String> parts = new ArrayList<>();
            for (JsonNode t : alias.path("targets")) {
                parts.add(t.path("provider").asString() + "/" + t.path("model").asString()
                        + (t.path("weight").isNumber() ? "@" + t.path("weight").asInt() : ""));
            }
            return String.join(", ", parts);
        }
    }

    /** {@code roost usage}: what the gateway metered. */
    @Command(mixinStandardHelpOptions = true, name = "usage", description = {
            "Model gateway usage of a workspace: requests, tokens and cost.",
            "Example: roost usage --group-by model,day --from 2026-01-01T00:00:00Z"})
    static final class Usage implements java.util.concurrent.Callable<Integer> {
        private final Connection connection;

        @Option(names = "--group-by", paramLabel = "FIELDS", description = "Comma-separated: day, month, model, provider, key, "
                + "instance, status.")
        String groupBy;

        @Option(names = "--from", paramLabel = "TIME", description = "ISO-8601 start (default: 30 days ago).")
        String from;

        @Option(names = "--to", paramLabel = "TIME", description = "ISO-8601 end, exclusive (default: now).")
        String to;

        @Mixin
        WorkspaceOption workspace;

        @Mixin
        OutputOption output;

        Usage(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            StringBuilder query = new StringBuilder();
            appendQuery(query, "groupBy", groupBy);
            appendQuery(query, "from", from);
            appendQuery(query, "to", to);
            JsonNode report = connection.client().get(workspacePath(connection, workspace) + "/usage" + query).json();
            List<String> columns = new ArrayList<>();
            report.path("groupBy").forEach(g -> columns.add(g.asString()));
            List<String> headers = new ArrayList<>(columns);
            headers.addAll(List.of("requests", "input", "output", "cached", "cost (USD)", "errors"));
            Table table = Table.of(headers.toArray(String[]::new));
            for (JsonNode row : report.path("rows")) {
                table.row(cells(row, columns).toArray(String[]::new));
            }
            JsonNode total = report.path("total");
            connection.printer().print(output.format(), report, () -> (report.path("rows").isEmpty() ? "No gateway requests "
                    + "in this period.\n" : table.render()) + "total: " + total.path("requests").asLong() + " requests, "
                    + total.path("inputTokens").asLong() + " input + " + total.path("outputTokens").asLong()
                    + " output tokens, " + total.path("costUsd").asString() + " USD");
            return ExitCodes.OK;
        }

        private static List<String> cells(JsonNode row, List<String> columns) {
            List<String> cells = new ArrayList<>();
            for (String c : columns) {
                cells.add(row.path("group").path(c).asString(""));
            }
            cells.add(row.path("requests").asString());
            cells.add(row.path("inputTokens").asString());
            cells.add(row.path("outputTokens").asString());
            cells.add(row.path("cachedTokens").asString());
            cells.add(row.path("costUsd").asString());
            cells.add(row.path("errors").asString());
            return cells;
        }
    }

    /** {@code roost price}: the gateway's price table (server admin). */
    @Command(mixinStandardHelpOptions = true, name = "price", aliases = "prices",
            description = "The model gateway's price table, in USD per million tokens (server admin): list, set.")
    static final class PriceCommand {
        private final Connection connection;

        PriceCommand(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Command(mixinStandardHelpOptions = true, name = "list", aliases = "get", description = "Show the price table.")
        int list(@Mixin OutputOption output) {
            GatewayCommands.list(connection, "/api/v1/gateway/prices", output,
                    Table.of("model", "input", "output", "cached input", "updated"),
                    p -> new String[] {p.path("model").asString(null), p.path("input").asString(), p.path("output").asString(),
                        p.path("cachedInput").asString(), TimeText.timestamp(p.path("updatedAt").asString(null))},
                    "The price table is empty: requests cost 0 until you set prices with: roost price set MODEL --in 2.5 "
                            + "--out 10");
            return ExitCodes.OK;
        }

        @Command(mixinStandardHelpOptions = true, name = "set", description = {
                "Set what an upstream model costs, in USD per million tokens.",
                "Example: roost price set gpt-4o --in 2.5 --out 10 --cached 1.25"})
        int set(@Parameters(paramLabel = "MODEL") String model,
                @Option(names = "--in", required = true, paramLabel = "USD", description = "Per million input tokens.") java.math.BigDecimal input,
                @Option(names = "--out", required = true, paramLabel = "USD", description = "Per million output tokens.") java.math.BigDecimal output,
                @Option(names = "--cached", paramLabel = "USD", description = "Per million cached input tokens (default: the input price).")
                java.math.BigDecimal cachedInput,
                @Mixin OutputOption format) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("model", model);
            body.put("input", input);
            body.put("output", output);
            putIfSet(body, "cachedInput", cachedInput);
            JsonNode price = connection.client().put("/api/v1/gateway/prices", body).json();
            connection.printer().print(format.format(), price, () -> "price/" + model + " set: input "
                    + price.path("input").asString() + ", output " + price.path("output").asString() + ", cached input "
                    + price.path("cachedInput").asString() + " USD per million tokens");
            return ExitCodes.OK;
        }
    }

    private static void putIfSet(Map<String, Object> body, String name, Object value) {
        if (value != null) {
            body.put(name, value);
        }
    }

    private static void appendQuery(StringBuilder query, String name, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        query.append(query.isEmpty() ? '?' : '&').append(name).append('=')
                .append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
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
