package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.output.OutputFormat;
import dev.roost.cli.output.OutputOption;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code roost get KIND [NAME]}: lists and single resources, kubectl style. Each kind is the
 * same as its group's list (or show) command, e.g. {@code get plans} is {@code plan list}.
 */
@Command(mixinStandardHelpOptions = true, name = "get", description = {"List resources of a kind, or show one by name.",
        "Kinds: instances, workspaces, templates, plans, users, tokens, members."})
final class GetCommand {
    private final Connection connection;

    GetCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    @Command(mixinStandardHelpOptions = true, name = "instances", aliases = {"instance", "inst"}, description = {"List instances, or print one's manifest "
            + "(YAML unless -o says otherwise).",
            "Examples: roost get instances --env prod -l team=support; roost get instance support-bot > support-bot.yaml"})
    int instances(@Parameters(arity = "0..1", paramLabel = "NAME", description = "Print this instance's manifest.") String name,
            @Option(names = {"-e", "--env"}, paramLabel = "ENV", description = "Only this environment.") String environment,
            @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Only instances with this label; repeatable.")
            List<String> labels,
            @Option(names = "--limit", paramLabel = "N", description = "At most this many per page (1-500; default 100).") Integer limit,
            @Option(names = "--all", description = "Every page, not only the first.") boolean all,
            @Mixin WorkspaceOption workspaceOption, @Mixin OutputOption output) {
        String workspace = connection.workspace(workspaceOption.name());
        if (name != null) {
            if (environment != null || labels != null || limit != null || all) {
                throw new CliException(ExitCodes.USAGE, "--env, --label, --limit and --all filter lists; they do not go with NAME.");
            }
            return InstanceCommands.manifest(connection, workspace, name, output.or(OutputFormat.YAML));
        }
        return InstanceCommands.list(connection, workspace, environment, labels == null ? List.of() : labels, limit, all,
                output.format());
    }

    @Command(mixinStandardHelpOptions = true, name = "workspaces", aliases = {"workspace", "ws"}, description = "List workspaces, or show one.")
    int workspaces(@Parameters(arity = "0..1", paramLabel = "NAME") String name, @Mixin OutputOption output) {
        WorkspaceCommand workspaces = new WorkspaceCommand(connection);
        return name == null ? workspaces.list(output) : workspaces.get(name, output);
    }

    @Command(mixinStandardHelpOptions = true, name = "templates", aliases = "template", description = "List templates, or show one.")
    int templates(@Parameters(arity = "0..1", paramLabel = "NAME") String name, @Mixin OutputOption output) {
        TemplateCommand templates = new TemplateCommand(connection);
        return name == null ? templates.list(output) : templates.show(name, output);
    }

    @Command(mixinStandardHelpOptions = true, name = "plans", aliases = "plan", description = "List plans, or show one.")
    int plans(@Parameters(arity = "0..1", paramLabel = "NAME") String name, @Mixin OutputOption output) {
        PlanCommand plans = new PlanCommand(connection);
        return name == null ? plans.list(output) : plans.show(name, output);
    }

    @Command(mixinStandardHelpOptions = true, name = "users", aliases = "user", description = "List users, or show one (server admins).")
    int users(@Parameters(arity = "0..1", paramLabel = "NAME") String name, @Mixin OutputOption output) {
        UserCommand users = new UserCommand(connection);
        return name == null ? users.list(output) : users.get(name, output);
    }

    @Command(mixinStandardHelpOptions = true, name = "tokens", aliases = "token", description = "List your API tokens.")
    int tokens(@Mixin OutputOption output) {
        return new TokenCommand(connection).list(output);
    }

    @Command(mixinStandardHelpOptions = true, name = "members", aliases = "member", description = "List the members of a workspace.")
    int members(@Mixin WorkspaceOption workspaceOption, @Mixin OutputOption output) {
        return new MemberCommand(connection).list(workspaceOption, output);
    }
}
