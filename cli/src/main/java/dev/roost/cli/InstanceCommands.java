package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.Query;
import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.Fields;
import dev.roost.cli.output.OutputFormat;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Instances: list and show them, their history (versions, rollback, tags), rename, start, stop,
 * restart, delete, and create one from a template. Applying manifests is {@link ApplyCommands}.
 */
final class InstanceCommands {
    private InstanceCommands() {
    }

    static String instancesPath(String workspace) {
        return "/api/v1/workspaces/" + RoostClient.segment(workspace) + "/instances";
    }

    static String instancePath(String workspace, String name) {
        return instancesPath(workspace) + "/" + RoostClient.segment(name);
    }

    /** {@code roost get instances}: one page, or every page with {@code --all}. */
    static int list(Connection connection, String workspace, String environment, List<String> labels, Integer limit,
            boolean all, OutputFormat format) {
        RoostClient client = connection.client();
        ArrayNode items = JsonNodeFactory.instance.arrayNode();
        String after = null;
        String next;
        do {
            Query query = new Query().add("environment", environment).add("limit", limit).add("after", after);
            labels.forEach(l -> query.add("label", l));
            JsonNode page = client.get(instancesPath(workspace) + query).json();
            page.path("items").forEach(items::add);
            next = page.path("next").asString(null);
            after = next;
        } while (all && next != null);
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.set("items", items);
        if (next != null) {
            result.put("next", next);
        }
        Instant now = connection.context().clock().instant();
        connection.printer().list(format, result, table(items, now), "No instances in workspace " + workspace
                + (environment == null && labels.isEmpty() ? "." : " match."));
        if (next != null && format == OutputFormat.TABLE) {
            connection.context().err().println("(more instances follow; --all lists every one)");
        }
        return ExitCodes.OK;
    }

    private static Table table(JsonNode items, Instant now) {
        Table table = Table.of("name", "env", "status", "desired", "version", "image", "age");
        for (JsonNode i : items) {
            table.row(i.path("name").asString(null), i.path("environment").asString(null), i.path("status").asString(null),
                    i.path("desiredState").asString(null), i.path("version").asInt(), i.path("image").asString(null),
                    TimeText.age(i.path("createdAt").asString(null), now));
        }
        return table;
    }

    /** {@code roost get instance NAME}: the current manifest, YAML unless asked otherwise. */
    static int manifest(Connection connection, String workspace, String name, OutputFormat format) {
        JsonNode detail = connection.client().get(instancePath(workspace, name)).json();
        JsonNode manifest = readable(detail.path("manifest"));
        switch (format) {
            case YAML -> connection.printer().yaml(manifest);
            case JSON -> connection.printer().json(manifest);
            case TABLE -> connection.printer().text(table(JsonNodeFactory.instance.arrayNode().add(detail.path("instance")),
                    connection.context().clock().instant()).render() + nodesLine(detail));
        }
        return ExitCodes.OK;
    }

    /** "Node: NAME" when the instance's sandboxed replicas run on joined nodes, else nothing. */
    static String nodesLine(JsonNode detail) {
        List<String> nodes = new ArrayList<>();
        detail.path("nodes").forEach(n -> nodes.add(n.asString()));
        return nodes.isEmpty() ? "" : (nodes.size() == 1 ? "Node: " : "Nodes: ") + String.join(", ", nodes) + "\n";
    }

    /**
     * A manifest with its keys in the order people write them: apiVersion, kind, metadata (name,
     * workspace, environment first), spec, and everything else alphabetically. The server returns
     * them in its database's order, which is correct but hard to read.
     */
    static JsonNode readable(JsonNode manifest) {
        if (!manifest.isObject()) {
            return manifest;
        }
        ObjectNode ordered = JsonNodeFactory.instance.objectNode();
        for (String key : List.of("apiVersion", "kind", "metadata", "spec")) {
            if (manifest.has(key)) {
                ordered.set(key, key.equals("metadata") ? leading(manifest.get(key), List.of("name", "workspace", "environment"))
                        : sorted(manifest.get(key)));
            }
        }
        manifest.properties().stream().map(Map.Entry::getKey).sorted()
                .forEach(key -> ordered.putIfAbsent(key, sorted(manifest.get(key))));
        return ordered;
    }

    private static JsonNode leading(JsonNode node, List<String> first) {
        if (!node.isObject()) {
            return node;
        }
        ObjectNode ordered = JsonNodeFactory.instance.objectNode();
        first.stream().filter(node::has).forEach(key -> ordered.set(key, sorted(node.get(key))));
        node.properties().stream().map(Map.Entry::getKey).sorted()
                .forEach(key -> ordered.putIfAbsent(key, sorted(node.get(key))));
        return ordered;
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(element -> copy.add(sorted(element)));
            return copy;
        }
        return node.isObject() ? leading(node, List.of()) : node;
    }

    @Command(mixinStandardHelpOptions = true, name = "describe", description = "Show one resource in detail.")
    static final class Describe {
        private final Connection connection;

        Describe(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Command(mixinStandardHelpOptions = true, name = "instance", aliases = "instances", description = {"Show an instance: status, desired state, image, "
                + "resources, labels, version and tags, version history and its latest audit entries."})
        int instance(@Parameters(paramLabel = "NAME", description = "The instance.") String name,
                @Mixin WorkspaceOption workspaceOption, @Mixin OutputOption output) {
            String workspace = connection.workspace(workspaceOption.name());
            RoostClient client = connection.client();
            JsonNode detail = client.get(instancePath(workspace, name)).json();
            JsonNode versions = client.get(instancePath(workspace, name) + "/versions").json();
            JsonNode audit = client.get("/api/v1/workspaces/" + RoostClient.segment(workspace) + "/audit"
                    + new Query().add("resourceType", "instance").add("resourceId", name).add("limit", 10)).json();
            ObjectNode all = JsonNodeFactory.instance.objectNode();
            all.set("instance", detail.path("instance"));
            all.set("tags", detail.path("tags"));
            all.set("nodes", detail.path("nodes"));
            all.set("manifest", readable(detail.path("manifest")));
            all.set("versions", versions);
            all.set("audit", audit.path("items"));
            all.set("gatewayKey", detail.path("gatewayKey"));
            JsonNode usage = instanceUsage(client, workspace, name);
            all.set("usage", usage);
            connection.printer().print(output.format(), all, () -> render(detail, versions, audit.path("items"), usage));
            return ExitCodes.OK;
        }

        private static String nodes(JsonNode detail) {
            List<String> nodes = new ArrayList<>();
            detail.path("nodes").forEach(n -> nodes.add(n.asString()));
            return nodes.isEmpty() ? null : String.join(", ", nodes);
        }

        /** The instance's gateway usage this calendar month (UTC), or a missing node when it cannot be read. */
        private static JsonNode instanceUsage(RoostClient client, String workspace, String name) {
            String from = java.time.LocalDate.now(java.time.ZoneOffset.UTC).withDayOfMonth(1).atStartOfDay(java.time.ZoneOffset.UTC)
                    .toInstant().toString();
            try {
                JsonNode report = client.get("/api/v1/workspaces/" + RoostClient.segment(workspace) + "/usage"
                        + new Query().add("groupBy", "instance").add("from", from)).json();
                for (JsonNode row : report.path("rows")) {
                    if (name.equals(row.path("group").path("instance").asString(null))) {
                        return row;
                    }
                }
                return JsonNodeFactory.instance.objectNode().put("requests", 0);
            } catch (CliException | dev.roost.cli.client.ProblemException e) {
                return tools.jackson.databind.node.MissingNode.getInstance();
            }
        }

        private static String gatewayText(JsonNode key) {
            if (!key.isObject()) {
                return "none (spec.model names no models, or the instance has no network path to the gateway)";
            }
            List<String> models = new ArrayList<>();
            key.path("models").forEach(m -> models.add(m.asString()));
            return key.path("prefix").asString() + "… (own key; models " + (models.isEmpty() ? "any" : String.join(", ", models))
                    + (key.path("budget").isString() ? "; budget " + key.path("budget").asString() : "") + ")";
        }

        private static String usageText(JsonNode usage) {
            if (usage.isMissingNode()) {
                return "unknown";
            }
            if (usage.path("requests").asLong() == 0) {
                return "no gateway requests this month";
            }
            return usage.path("requests").asLong() + " requests this month, " + usage.path("inputTokens").asLong() + " input + "
                    + usage.path("outputTokens").asLong() + " output tokens, " + usage.path("costUsd").asString("0") + " USD";
        }

        private String render(JsonNode detail, JsonNode versions, JsonNode audit, JsonNode usage) {
            JsonNode i = detail.path("instance");
            List<String> labels = new ArrayList<>();
            i.path("labels").properties().forEach(e -> labels.add(e.getKey() + "=" + e.getValue().asString()));
            List<String> tags = new ArrayList<>();
            detail.path("tags").properties().forEach(e -> tags.add(e.getKey() + "=" + e.getValue().asInt()));
            String reason = i.path("statusReason").asString(null);
            String text = new Fields()
                    .add("Name", i.path("name").asString(null))
                    .add("Workspace", i.path("workspace").asString(null))
                    .add("Environment", i.path("environment").asString(null))
                    .add("Status", i.path("status").asString("") + (reason == null ? "" : " (" + reason + ")"))
                    .add("Desired state", i.path("desiredState").asString(null))
                    .add("Last healthy", i.path("lastHealthyVersion").isNumber() ? "version " + i.path("lastHealthyVersion").asInt() : "none yet")
                    .add("Rollout", rollout(i.path("rollout")))
                    .add("Image", i.path("image").asString(null))
                    .add("Resources", "cpu " + i.path("cpu").asString("-") + ", memory " + i.path("memory").asString("-")
                            + ", replicas " + i.path("replicas").asInt())
                    .add("Labels", String.join(", ", labels))
                    .add("Template", i.path("template").asString(null))
                    .add("Version", i.path("version").asInt())
                    .add("Tags", String.join(", ", tags))
                    .add("Restarts", i.path("restartCount").asInt())
                    .add("Node", nodes(detail))
                    .add("Gateway key", gatewayText(detail.path("gatewayKey")))
                    .add("Model usage", usageText(usage))
                    .add("Created", TimeText.timestamp(i.path("createdAt").asString(null)) + " by " + i.path("createdBy").asString("?"))
                    .add("Updated", TimeText.timestamp(i.path("updatedAt").asString(null)))
                    .render();
            text += "\nVersions:\n" + versionTable(versions).render("  ");
            Table entries = Table.of("time", "actor", "action", "details");
            for (JsonNode e : audit) {
                entries.row(TimeText.timestamp(e.path("at").asString(null)), e.path("actor").asString(null),
                        e.path("action").asString(null), AuditCommand.summary(e));
            }
            text += "\nRecent audit entries:\n" + (entries.isEmpty() ? "  none\n" : entries.render("  "));
            return text;
        }
    }

    /** A rollout in words: {@code version 3 since 2026-01-31 12:00:00 UTC} or {@code version 3 failed: why}. */
    static String rollout(JsonNode rollout) {
        if (!rollout.isObject()) {
            return "none";
        }
        String failure = rollout.path("failure").asString(null);
        return "version " + rollout.path("version").asInt() + (failure != null ? " failed: " + failure
                : " in progress since " + TimeText.timestamp(rollout.path("startedAt").asString(null)));
    }

    static Table versionTable(JsonNode versions) {
        Table table = Table.of("version", "current", "tags", "source", "by", "created", "sha256", "warnings");
        for (JsonNode v : versions) {
            List<String> tags = new ArrayList<>();
            v.path("tags").forEach(t -> tags.add(t.asString()));
            String sha = v.path("sha256").asString("");
            table.row(v.path("version").asInt(), v.path("current").asBoolean() ? "*" : "", String.join(",", tags),
                    v.path("source").asString(null), v.path("createdBy").asString(null),
                    TimeText.timestamp(v.path("createdAt").asString(null)), sha.length() > 12 ? sha.substring(0, 12) : sha,
                    v.path("warnings").size() == 0 ? "" : String.valueOf(v.path("warnings").size()));
        }
        return table;
    }

    @Command(mixinStandardHelpOptions = true, name = "versions", description = "List the manifest versions of an instance, oldest first.")
    static final class Versions implements Callable<Integer> {
        private final Connection connection;

        @Parameters(paramLabel = "NAME", description = "The instance.")
        String name;

        @Mixin
        WorkspaceOption workspaceOption;

        @Mixin
        OutputOption output;

        Versions(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            String workspace = connection.workspace(workspaceOption.name());
            JsonNode versions = connection.client().get(instancePath(workspace, name) + "/versions").json();
            connection.printer().print(output.format(), versions, () -> versionTable(versions).render());
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "rollback", description = {"Make an earlier version current again.",
            "This adds a new version with the old manifest; history is never rewritten."})
    static final class Rollback implements Callable<Integer> {
        private final Connection connection;

        @Parameters(paramLabel = "NAME", description = "The instance.")
        String name;

        @Option(names = "--to", required = true, paramLabel = "VERSION|TAG", description = "The version number or tag to go back to.")
        String to;

        @Mixin
        WorkspaceOption workspaceOption;

        @Mixin
        OutputOption output;

        Rollback(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            String workspace = connection.workspace(workspaceOption.name());
            JsonNode result = connection.client().post(instancePath(workspace, name) + "/rollback", Map.of("to", to)).json();
            ApplyCommands.warn(connection, name, result);
            connection.printer().print(output.format(), result, () -> "UNCHANGED".equals(result.path("outcome").asString(null))
                    ? "instance/" + name + " unchanged: " + to + " has the same manifest as the current version"
                    : "instance/" + name + " rolled back to " + to + " (now version " + result.path("version").asInt() + ")");
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "tag", description = "Point a tag (e.g. stable) at a version of an instance, or remove it.")
    static final class Tag implements Callable<Integer> {
        private final Connection connection;

        @Parameters(index = "0", paramLabel = "NAME", description = "The instance.")
        String name;

        @Parameters(index = "1", paramLabel = "TAG", description = "Lower-case letters, digits, '.', '_' or '-'.")
        String tag;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--version", paramLabel = "VERSION", description = "The version the tag names.")
            Integer version;

            @Option(names = "--remove", description = "Remove the tag instead.")
            boolean remove;
        }

        @Mixin
        WorkspaceOption workspaceOption;

        Tag(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            String workspace = connection.workspace(workspaceOption.name());
            String path = instancePath(workspace, name) + "/tags/" + RoostClient.segment(tag);
            if (target.remove) {
                connection.client().delete(path);
                connection.printer().line("instance/" + name + ": tag " + tag + " removed");
            } else {
                connection.client().put(path, Map.of("version", target.version));
                connection.printer().line("instance/" + name + ": tag " + tag + " -> version " + target.version);
            }
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "rename", description = "Rename an instance (adds a manifest version).")
    static final class Rename implements Callable<Integer> {
        private final Connection connection;

        @Parameters(index = "0", paramLabel = "NAME", description = "The instance.")
        String name;

        @Parameters(index = "1", paramLabel = "NEW_NAME", description = "Its new name.")
        String newName;

        @Mixin
        WorkspaceOption workspaceOption;

        @Mixin
        OutputOption output;

        Rename(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            String workspace = connection.workspace(workspaceOption.name());
            JsonNode result = connection.client().post(instancePath(workspace, name) + "/rename", Map.of("newName", newName)).json();
            connection.printer().print(output.format(), result, () -> "instance/" + name + " renamed to " + newName
                    + " (version " + result.path("version").asInt() + ")");
            return ExitCodes.OK;
        }
    }

    /** {@code roost start|stop|restart NAME}: one class, named when it is added to the command tree. */
    @Command(mixinStandardHelpOptions = true, description = "Request that an instance starts, stops or restarts.")
    static final class Action implements Callable<Integer> {
        private final Connection connection;
        private final String action;

        @Parameters(paramLabel = "NAME", description = "The instance.")
        String name;

        @Mixin
        WorkspaceOption workspaceOption;

        @Mixin
        OutputOption output;

        Action(Connection connection, String action) {
            this.connection = requireNonNull(connection, "connection is null");
            this.action = requireNonNull(action, "action is null");
        }

        @Override
        public Integer call() {
            String workspace = connection.workspace(workspaceOption.name());
            JsonNode instance = connection.client().post(instancePath(workspace, name) + "/actions/" + action, Map.of()).json();
            connection.printer().print(output.format(), instance, () -> "instance/" + name + ": " + action + " requested (desired "
                    + instance.path("desiredState").asString("?") + ", status " + instance.path("status").asString("?") + ")");
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "delete", description = "Delete a resource.")
    static final class Delete {
        private final Connection connection;

        Delete(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Command(mixinStandardHelpOptions = true, name = "instance", aliases = "instances", description = {"Delete an instance. Its history and audit "
                + "entries are kept, and the name can be used again. The reconciler then removes its containers and, "
                + "unless --keep-volumes, its volumes.",
                "Asks for confirmation on a terminal; in scripts pass --yes."})
        int instance(@Parameters(paramLabel = "NAME", description = "The instance.") String name,
                @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.") boolean yes,
                @Option(names = "--keep-volumes", description = "Keep the instance's volumes (its data).") boolean keepVolumes,
                @Mixin WorkspaceOption workspaceOption) {
            String workspace = connection.workspace(workspaceOption.name());
            connection.confirm("Delete instance " + name + " in workspace " + workspace + (keepVolumes ? "" : " and its volumes") + "?",
                    yes, "delete instance " + name);
            connection.client().delete(instancePath(workspace, name) + (keepVolumes ? "?keepVolumes=true" : ""));
            connection.printer().line("instance/" + name + " deleted" + (keepVolumes ? " (volumes kept)" : ""));
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "instance", description = "Create instances from templates.")
    static final class Group {
        private final Connection connection;

        Group(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Command(mixinStandardHelpOptions = true, name = "create", description = {"Create an instance from a template.",
                "Example: roost instance create support --template telegram-bot --env prod --param image=ghcr.io/acme/bot:1.2.0"})
        int create(@Parameters(paramLabel = "NAME", description = "The new instance's name.") String name,
                @Option(names = {"-t", "--template"}, required = true, paramLabel = "TEMPLATE", description = "The template "
                        + "(roost template list).") String template,
                @Option(names = {"-e", "--env"}, paramLabel = "ENV", defaultValue = "dev",
                        description = "Environment (default: ${DEFAULT-VALUE}).") String environment,
                @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "A template parameter; repeat for more.")
                Map<String, String> parameters,
                @Mixin WorkspaceOption workspaceOption, @Mixin OutputOption output) {
            String workspace = connection.workspace(workspaceOption.name());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("template", template);
            body.put("environment", environment);
            body.put("parameters", parameters == null ? Map.of() : parameters);
            JsonNode result = connection.client().post(instancesPath(workspace), body).json();
            ApplyCommands.warn(connection, name, result);
            connection.printer().print(output.format(), result, () -> "instance/" + name + " created from template " + template
                    + " (version " + result.path("version").asInt() + ")");
            return ExitCodes.OK;
        }
    }
}
