package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.Query;
import dev.roost.cli.output.OutputFormat;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** What the reconciler would do for an instance ({@code roost plan}) and what it did ({@code roost events}). */
final class DeploymentCommands {
    private DeploymentCommands() {
    }

    @Command(mixinStandardHelpOptions = true, name = "plan", description = {
            "Show what the reconciler would do now for an instance: each action with its reason, and any drift.",
            "Nothing is applied. (Subscription plans: roost plans.)"})
    static final class Plan implements Callable<Integer> {
        private final Connection connection;

        @Parameters(paramLabel = "NAME", description = "The instance.")
        String name;

        @Mixin
        WorkspaceOption workspaceOption;

        @Mixin
        OutputOption output;

        Plan(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            String workspace = connection.workspace(workspaceOption.name());
            JsonNode plan = connection.client().get(InstanceCommands.instancePath(workspace, name) + "/plan").json();
            connection.printer().print(output.format(), plan, () -> render(plan));
            return ExitCodes.OK;
        }

        private static String render(JsonNode plan) {
            StringBuilder text = new StringBuilder();
            text.append("instance/").append(plan.path("instance").asString()).append(" version ").append(plan.path("version").asInt())
                    .append(", desired ").append(plan.path("desiredState").asString()).append(", status ").append(plan.path("status").asString());
            String reason = plan.path("statusReason").asString("");
            if (!reason.isEmpty()) {
                text.append(" (").append(reason).append(')');
            }
            text.append('\n');
            String refused = plan.path("refused").asString(null);
            if (refused != null) {
                return text.append("Nothing will be applied: ").append(refused).append('\n').toString();
            }
            JsonNode actions = plan.path("actions");
            if (actions.isEmpty()) {
                text.append("No changes: the instance is as its manifest asks.\n");
            } else {
                text.append(plan.path("pendingRequest").asBoolean() ? "Plan (carrying out a request):\n" : "Plan:\n");
                int n = 1;
                for (JsonNode a : actions) {
                    text.append("  ").append(n++).append(". ").append(a.path("description").asString()).append('\n')
                            .append("     why: ").append(a.path("reason").asString()).append('\n');
                }
            }
            JsonNode drift = plan.path("drift");
            if (!drift.isEmpty()) {
                text.append("Drift (changed behind Roost's back):\n");
                drift.forEach(d -> text.append("  - ").append(d.asString()).append('\n'));
            }
            return text.toString();
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "events", description = {
            "Show an instance's deployment events, newest last: plans, actions, drift, health, rollouts, rollbacks, status changes.",
            "With -f, keep printing new events as they come (Ctrl-C ends)."})
    static final class Events implements Callable<Integer> {
        private final Connection connection;

        @Parameters(paramLabel = "NAME", description = "The instance.")
        String name;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "How many recent events, 1-500 (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = {"-f", "--follow"}, description = "Keep polling for new events.")
        boolean follow;

        @Option(names = "--poll-interval", paramLabel = "SECONDS", defaultValue = "2", description = "How often -f asks (default: ${DEFAULT-VALUE}).")
        double pollSeconds;

        /** Ends following after this many polls; for tests. */
        @Option(names = "--polls", hidden = true, defaultValue = "-1")
        int polls;

        @Mixin
        WorkspaceOption workspaceOption;

        @Mixin
        OutputOption output;

        Events(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() throws InterruptedException {
            if (limit < 1 || limit > 500) {
                throw new CliException(ExitCodes.USAGE, "--limit must be between 1 and 500.");
            }
            String workspace = connection.workspace(workspaceOption.name());
            String path = InstanceCommands.instancePath(workspace, name) + "/events";
            JsonNode page = connection.client().get(path + new Query().add("limit", limit)).json();
            List<JsonNode> items = new ArrayList<>();
            page.path("items").forEach(items::add);
            java.util.Collections.reverse(items); // oldest first reads like a log
            if (!follow) {
                JsonNode array = tools.jackson.databind.node.JsonNodeFactory.instance.arrayNode().addAll(items);
                connection.printer().list(output.format(), array, table(items), "No events for instance " + name + " yet.");
                return ExitCodes.OK;
            }
            long after = items.isEmpty() ? 0 : items.get(items.size() - 1).path("id").asLong();
            print(items, true);
            Duration pause = Duration.ofMillis((long) Math.max(100, pollSeconds * 1000));
            for (int n = 0; polls < 0 || n < polls; n++) {
                Thread.sleep(pause.toMillis());
                JsonNode more = connection.client().get(path + new Query().add("after", after).add("limit", 500)).json();
                List<JsonNode> fresh = new ArrayList<>();
                more.path("items").forEach(fresh::add);
                print(fresh, false);
                after = Long.parseLong(more.path("next").asString(String.valueOf(after)));
            }
            return ExitCodes.OK;
        }

        private void print(List<JsonNode> items, boolean header) {
            if (output.format() == OutputFormat.TABLE) {
                if (items.isEmpty() && !header) {
                    return;
                }
                String rendered = table(items).render();
                if (!header) {
                    rendered = rendered.substring(rendered.indexOf('\n') + 1); // the header was printed once
                }
                connection.printer().text(rendered);
            } else {
                items.forEach(e -> connection.printer().json(e));
            }
        }

        private static Table table(List<JsonNode> items) {
            Table table = Table.of("time", "kind", "version", "message");
            for (JsonNode e : items) {
                table.row(TimeText.timestamp(e.path("at").asString(null)), e.path("kind").asString(null),
                        e.path("version").isNumber() ? e.path("version").asInt() : "-", e.path("message").asString(null));
            }
            return table;
        }
    }
}
