package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.RoostClient;
import dev.roost.cli.node.NodeAgent;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code roost node}: worker nodes. Server admins create join tokens and list, cordon, drain and
 * remove nodes; on a worker machine {@code roost node join} joins it and keeps it heartbeating.
 */
@Command(mixinStandardHelpOptions = true, name = "node", aliases = "nodes",
        description = "Worker nodes: join tokens, join, list, describe, cordon, uncordon, drain, remove.")
final class NodeCommand {
    private final Connection connection;

    NodeCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    /** {@code roost node token}: join tokens. */
    @Command(mixinStandardHelpOptions = true, name = "token", aliases = "tokens",
            description = "Join tokens that admit new nodes (server admin): create, list, revoke.")
    static final class Tokens {
        private final Connection connection;

        Tokens(Connection connection) {
            this.connection = connection;
        }

        @Command(mixinStandardHelpOptions = true, name = "create", description = {
                "Create a join token. It is printed once, on standard output; hand it to the worker machine then.",
                "Example: roost node token create --ttl 1h --uses 3"})
        int create(@Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "1h",
                        description = "How long it admits nodes: 30m, 1h, 7d (1m to 30d; default ${DEFAULT-VALUE}).") String ttl,
                @Option(names = "--uses", paramLabel = "N", description = "How many nodes may join with it (default: any).")
                Integer uses,
                @Mixin OutputOption output) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ttl", ttl);
            if (uses != null) {
                body.put("uses", uses);
            }
            JsonNode created = connection.client().post("/api/v1/nodes/tokens", body).json();
            connection.context().err().println("Created join token " + created.path("id").asString() + " (expires "
                    + TimeText.timestamp(created.path("expiresAt").asString(null)) + ", "
                    + (uses == null ? "any number of joins" : uses + (uses == 1 ? " join" : " joins")) + ").");
            connection.context().err().println("WARNING: it is shown once. On the worker: "
                    + "ROOST_JOIN_TOKEN=... roost node join --server " + connection.server());
            connection.printer().print(output.format(), created, () -> created.path("token").asString());
            return ExitCodes.OK;
        }

        @Command(mixinStandardHelpOptions = true, name = "list", description = "List join tokens (never their values).")
        int list(@Mixin OutputOption output) {
            JsonNode tokens = connection.client().get("/api/v1/nodes/tokens").json();
            Table table = Table.of("id", "prefix", "active", "uses", "expires", "created by");
            for (JsonNode t : tokens) {
                table.row(t.path("id").asString(null), t.path("prefix").asString(null),
                        t.path("active").asBoolean() ? "yes" : !t.path("revokedAt").isMissingNode() ? "revoked" : "no",
                        t.path("uses").asInt() + (t.path("maxUses").isMissingNode() ? "" : "/" + t.path("maxUses").asInt()),
                        TimeText.timestamp(t.path("expiresAt").asString(null)), t.path("createdBy").asString(null));
            }
            connection.printer().list(output.format(), tokens, table, "There are no join tokens.");
            return ExitCodes.OK;
        }

        @Command(mixinStandardHelpOptions = true, name = "revoke", description = "Revoke a join token by its id.")
        int revoke(@Parameters(paramLabel = "ID") String id) {
            connection.client().delete("/api/v1/nodes/tokens/" + RoostClient.segment(id));
            connection.printer().line("join-token/" + id + " revoked");
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List nodes with their state (server admin).")
    int list(@Mixin OutputOption output) {
        JsonNode nodes = connection.client().get("/api/v1/nodes").json();
        Table table = Table.of("name", "state", "scheduling", "cpus", "memory", "sandboxes", "config", "last heartbeat", "id");
        for (JsonNode n : nodes) {
            JsonNode caps = n.path("capabilities");
            table.row(n.path("name").asString(null), n.path("state").asString(null), n.path("scheduling").asString(null),
                    caps.path("cpus").isMissingNode() ? "-" : caps.path("cpus").asString(),
                    caps.path("memoryBytes").isMissingNode() ? "-" : gib(caps.path("memoryBytes").asLong()),
                    sandboxes(caps), n.path("appliedConfigVersion").asLong() + "/" + n.path("configVersion").asLong(),
                    TimeText.age(n.path("lastHeartbeatAt").asString(null), connection.context().clock().instant()),
                    n.path("id").asString(null));
        }
        connection.printer().list(output.format(), nodes, table, "No nodes have joined. Create a join token with: "
                + "roost node token create --ttl 1h");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "describe", description = "Show a node: capabilities, load, config (server admin).")
    int describe(@Parameters(paramLabel = "NAME|ID") String node, @Mixin OutputOption output) {
        RoostClient client = connection.client();
        String id = idOf(client, node);
        JsonNode n = client.get("/api/v1/nodes/" + RoostClient.segment(id)).json();
        JsonNode instances = client.get("/api/v1/nodes/" + RoostClient.segment(id) + "/instances").json();
        ObjectNode all = (ObjectNode) n.deepCopy();
        all.set("instances", instances);
        connection.printer().print(output.format(), all, () -> {
            JsonNode caps = n.path("capabilities");
            StringBuilder text = new StringBuilder();
            text.append("Name:           ").append(n.path("name").asString()).append('\n')
                    .append("Id:             ").append(n.path("id").asString()).append('\n')
                    .append("State:          ").append(n.path("state").asString()).append(" since ")
                    .append(TimeText.timestamp(n.path("stateChangedAt").asString(null))).append('\n')
                    .append("Scheduling:     ").append(n.path("scheduling").asString()).append('\n')
                    .append("Last heartbeat: ").append(TimeText.timestamp(n.path("lastHeartbeatAt").asString(null))).append('\n')
                    .append("Joined:         ").append(TimeText.timestamp(n.path("joinedAt").asString(null))).append('\n')
                    .append("OS/arch:        ").append(caps.path("os").asString("-")).append('/')
                    .append(caps.path("arch").asString("-")).append('\n')
                    .append("CPUs:           ").append(caps.path("cpus").asString("-")).append('\n')
                    .append("Memory:         ").append(caps.path("memoryBytes").isMissingNode() ? "-"
                            : gib(caps.path("memoryBytes").asLong())).append('\n')
                    .append("Disk:           ").append(caps.path("diskBytes").isMissingNode() ? "-"
                            : gib(caps.path("diskBytes").asLong())).append('\n')
                    .append("GPUs:           ").append(caps.path("gpus").size()).append('\n')
                    .append("Sandboxes:      ").append(sandboxes(caps)).append('\n')
                    .append("Docker:         ").append(caps.path("docker").asBoolean() ? "yes" : "no").append('\n');
            StringBuilder labels = new StringBuilder();
            caps.path("labels").properties().forEach(e -> labels.append(labels.isEmpty() ? "" : ", ").append(e.getKey())
                    .append('=').append(e.getValue().asString()));
            text.append("Labels:         ").append(labels.isEmpty() ? "-" : labels).append('\n')
                    .append("Config:         version ").append(n.path("configVersion").asLong()).append(", applied ")
                    .append(n.path("appliedConfigVersion").asLong()).append(", concurrency ")
                    .append(n.path("config").path("concurrency").asString("-")).append('\n');
            JsonNode load = n.path("load");
            text.append("Load:           ").append(load.path("loadAverage").asString("-")).append(" load average, ")
                    .append(load.path("freeMemoryBytes").isMissingNode() ? "-" : gib(load.path("freeMemoryBytes").asLong()))
                    .append(" memory free, ").append(load.path("runningJobs").asString("0")).append(" jobs running\n");
            Table jails = Table.of("workspace", "instance", "version", "replica", "state", "container");
            for (JsonNode j : instances) {
                jails.row(j.path("workspace").asString(null), j.path("instance").asString(null), j.path("version").asInt(),
                        j.path("replica").asInt(), j.path("state").asString(null)
                                + ("RUNNING".equals(j.path("desired").asString()) ? "" : " (" + j.path("desired").asString("") + " asked)"),
                        j.path("containerId").asString(null));
            }
            text.append("Instances:").append(jails.isEmpty() ? "      none\n" : "\n" + jails.render("  "));
            return text.toString();
        });
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "cordon", description = "Stop placing new work on a node.")
    int cordon(@Parameters(paramLabel = "NAME|ID") String node) {
        return schedule(node, "cordon", "cordoned");
    }

    @Command(mixinStandardHelpOptions = true, name = "uncordon", description = "Let a node take new work again.")
    int uncordon(@Parameters(paramLabel = "NAME|ID") String node) {
        return schedule(node, "uncordon", "uncordoned");
    }

    @Command(mixinStandardHelpOptions = true, name = "drain", description = {
            "Give a node no new work. What it runs goes on: --timeout waits for it to finish and hands back what is"
                    + " still running when the time is up; --requeue hands it back at once. A task handed back is queued"
                    + " again for another node, and the attempt it lost does not count against its attempts.",
            "Examples: roost node drain worker-eu1 --timeout 10m",
            "          roost node drain worker-eu1 --requeue"})
    int drain(@Parameters(paramLabel = "NAME|ID") String node,
            @Option(names = "--requeue", description = "Hand back the tasks it runs now (their processes are stopped).")
            boolean requeue,
            @Option(names = "--timeout", paramLabel = "DURATION",
                    description = "Wait up to this long (30s, 10m, 1h) for its tasks to end, then hand back the rest.")
            String timeout) {
        if (requeue && timeout != null) {
            throw new CliException(ExitCodes.USAGE, "Use --requeue (hand back now) or --timeout (wait, then hand back), not both.");
        }
        java.time.Duration wait = timeout == null ? null : duration(timeout);
        RoostClient client = connection.client();
        String path = "/api/v1/nodes/" + RoostClient.segment(idOf(client, node)) + "/drain";
        JsonNode answer = client.post(path, Map.of("requeue", requeue)).json();
        if (wait != null) {
            long deadline = System.nanoTime() + wait.toNanos();
            while (answer.path("running").asInt() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    answer = client.post(path, Map.of("requeue", true)).json(); // time is up: hand back the rest
                    break;
                }
                try {
                    Thread.sleep(Math.min(1000, left / 1_000_000 + 1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CliException(ExitCodes.FAILED, "interrupted; node/" + node + " stays draining");
                }
                answer = client.post(path, Map.of("requeue", false)).json();
            }
        }
        int running = answer.path("running").asInt();
        int handedBack = answer.path("handedBack").asInt();
        connection.printer().line("node/" + node + " draining: " + (handedBack > 0 ? handedBack + " task(s) handed back to the queue"
                : running == 0 ? "it runs no tasks" : running + " task(s) still running (they finish, or: roost node drain "
                + node + " --requeue)"));
        return ExitCodes.OK;
    }

    /** 30s, 10m, 2h, or plain seconds. */
    private static java.time.Duration duration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,7})([smh]?)").matcher(text.strip());
        if (!m.matches()) {
            throw new CliException(ExitCodes.USAGE, "--timeout takes a duration such as 30s, 10m or 1h, not " + text);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofSeconds(n);
        };
    }

    @Command(mixinStandardHelpOptions = true, name = "remove", description = "Remove a node and revoke its credentials.")
    int remove(@Parameters(paramLabel = "NAME|ID") String node) {
        RoostClient client = connection.client();
        client.delete("/api/v1/nodes/" + RoostClient.segment(idOf(client, node)));
        connection.printer().line("node/" + node + " removed");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "join", description = {
            "Join this machine to a Roost server as a worker node, then heartbeat until stopped (Ctrl-C).",
            "The join token comes from --token, else $ROOST_JOIN_TOKEN, else the first line of standard input with"
                    + " --token-stdin. Once joined, the node keeps its identity and a rotating refresh credential in"
                    + " the state directory (mode 0600) and resumes from there when started again without a token.",
            "Example: ROOST_JOIN_TOKEN=roost_join_... roost node join --server https://roost.example.com --label zone=eu-1"})
    int join(@Option(names = "--token", paramLabel = "TOKEN",
                    description = "The join token (prefer $ROOST_JOIN_TOKEN or --token-stdin: they stay out of shell history).")
            String token,
            @Option(names = "--token-stdin", description = "Read the join token from the first line of standard input.")
            boolean tokenStdin,
            @Option(names = "--name", paramLabel = "NAME", description = "The node's name (default: this machine's host name).")
            String name,
            @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label for placing work (repeatable).")
            Map<String, String> labels,
            @Option(names = "--state-dir", paramLabel = "DIR",
                    description = "Where the node keeps its identity (default: $ROOST_NODE_STATE_DIR, else ~/.roost-node).")
            Path stateDir,
            @Option(names = "--no-tasks", description = "Join and heartbeat, but run no tasks.")
            boolean noTasks,
            @Option(names = "--no-instances", description = "Run no sandboxed instances (spec.runtime.kind: sandbox) on this node.")
            boolean noInstances,
            @Option(names = "--heartbeats", paramLabel = "N", hidden = true,
                    description = "Stop after N heartbeats (for tests and scripted checks; default: run until stopped).")
            Long heartbeats) {
        String joinToken = token != null ? token : connection.context().variable("ROOST_JOIN_TOKEN");
        if (tokenStdin) {
            try {
                String line = new BufferedReader(new InputStreamReader(connection.context().in(), StandardCharsets.UTF_8))
                        .readLine();
                joinToken = line == null ? null : line.trim();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Path dir = stateDir != null ? stateDir : connection.context().variable("ROOST_NODE_STATE_DIR") != null
                ? Path.of(connection.context().variable("ROOST_NODE_STATE_DIR"))
                : Path.of(System.getProperty("user.home"), ".roost-node");
        NodeAgent agent = new NodeAgent(connection.server(), dir, connection.context().err(), connection.context().clock(),
                noTasks ? NodeAgent.TaskOptions.disabled() : NodeAgent.TaskOptions.fromEnvironment(connection.context().env(), dir));
        if (!noInstances) {
            agent.withJails(NodeAgent.jailSettings(connection.context().env(), dir));
        }
        return agent.run(joinToken, name, labels == null ? Map.of() : labels, heartbeats == null ? Long.MAX_VALUE : heartbeats);
    }

    private int schedule(String node, String action, String done) {
        RoostClient client = connection.client();
        client.post("/api/v1/nodes/" + RoostClient.segment(idOf(client, node)) + "/" + action, Map.of());
        connection.printer().line("node/" + node + " " + done);
        return ExitCodes.OK;
    }

    /** A node id as given, or the id of the node with this name. */
    private static String idOf(RoostClient client, String node) {
        try {
            UUID.fromString(node);
            if (node.length() == 36) {
                return node;
            }
        } catch (IllegalArgumentException e) {
            // a name
        }
        List<JsonNode> matches = client.get("/api/v1/nodes").json().valueStream()
                .filter(n -> node.equals(n.path("name").asString(null))).toList();
        if (matches.isEmpty()) {
            throw new CliException(ExitCodes.NOT_FOUND, "There is no node named " + node + " (roost node list).");
        }
        return matches.get(0).path("id").asString();
    }

    private static String sandboxes(JsonNode caps) {
        StringBuilder s = new StringBuilder();
        for (JsonNode kind : caps.path("sandboxes")) {
            s.append(s.isEmpty() ? "" : ", ").append(kind.path("kind").asString()).append(kind.has("version")
                    ? " " + kind.path("version").asString() : "");
        }
        if (caps.path("docker").asBoolean()) {
            s.append(s.isEmpty() ? "" : ", ").append("docker");
        }
        return s.isEmpty() ? "-" : s.toString();
    }

    private static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
