package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.Fields;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code roost plans}: the quota bundles workspaces are on. ({@code roost plan NAME} is an instance's deployment plan.) */
@Command(mixinStandardHelpOptions = true, name = "plans", description = "Subscription plans and their quotas: list, show.")
final class PlanCommand {
    private final Connection connection;

    PlanCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List plans and their quotas.")
    int list(@Mixin OutputOption output) {
        JsonNode plans = connection.client().get("/api/v1/plans").json();
        Table table = Table.of("name", "instances", "cpu/instance", "memory/instance", "cpu total", "memory total",
                "workspaces", "description");
        for (JsonNode p : plans) {
            JsonNode q = p.path("quota");
            table.row(p.path("name").asString(null), q.path("maxInstances").asInt(), q.path("maxCpuPerInstance").asString(null),
                    q.path("maxMemoryPerInstance").asString(null), q.path("maxCpuTotal").asString(null),
                    q.path("maxMemoryTotal").asString(null), p.path("workspaces").asString(null),
                    p.path("description").asString(null));
        }
        connection.printer().list(output.format(), plans, table, "There are no plans.");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "show", aliases = "get", description = "Show one plan.")
    int show(@Parameters(paramLabel = "PLAN") String name, @Mixin OutputOption output) {
        JsonNode p = connection.client().get("/api/v1/plans/" + RoostClient.segment(name)).json();
        JsonNode q = p.path("quota");
        connection.printer().print(output.format(), p, () -> new Fields()
                .add("Name", p.path("name").asString(null))
                .add("Description", p.path("description").asString(null))
                .add("Built in", p.path("builtIn").asBoolean() ? "yes" : "no")
                .add("Instances", q.path("maxInstances").asInt())
                .add("CPU per instance", q.path("maxCpuPerInstance").asString(null))
                .add("Memory per instance", q.path("maxMemoryPerInstance").asString(null))
                .add("CPU in total", q.path("maxCpuTotal").asString(null))
                .add("Memory in total", q.path("maxMemoryTotal").asString(null))
                .add("Workspaces on it", p.path("workspaces").asString(null))
                .render());
        return ExitCodes.OK;
    }
}
