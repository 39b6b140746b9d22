package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code roost} command: one binary for the server, nodes and clients. {@link #commandLine}
 * builds the whole command tree by hand, passing each command the {@link Connection} it works with.
 */
@Command(name = "roost",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        synopsisSubcommandLabel = "COMMAND",
        description = {"Roost: a self-hosted control plane for AI agents.", "",
                "Start with: roost up (server) or roost login --server URL (client)."},
        footer = {"", "Exit codes: 0 ok, 1 refused or failed, 2 usage, 3 not signed in, 4 not found, 5 server unreachable, "
                + "6 conflict, 7 policy or quota. See docs/cli.md."})
public final class Main implements Runnable {
    private final Connection connection;

    @CommandLine.Spec
    CommandSpec spec;

    Main(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    @Option(names = "--server", paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "The Roost server (default: $ROOST_SERVER, else the one you signed in to, else http://127.0.0.1:7070).")
    void server(String url) {
        connection.serverOption(url);
    }

    public static void main(String[] args) {
        System.exit(run(CliContext.system(), args));
    }

    /** Runs the CLI in this process and returns its exit code (see {@link ExitCodes}). */
    public static int run(CliContext context, String... args) {
        return commandLine(context).execute(args);
    }

    /** Runs the CLI against the real process: System streams, environment and terminal. */
    public static int run(String... args) {
        return run(CliContext.system(), args);
    }

    static CommandLine commandLine(CliContext context) {
        Connection connection = new Connection(context);
        CommandLine root = new CommandLine(new Main(connection));
        root.addSubcommand(new UpCommand(context));
        root.addSubcommand(new SessionCommands.Login(connection));
        root.addSubcommand(new SessionCommands.Logout(connection));
        root.addSubcommand(new SessionCommands.Whoami(connection));
        root.addSubcommand(new SessionCommands.Status(connection));
        root.addSubcommand(new GetCommand(connection));
        root.addSubcommand(new InstanceCommands.Describe(connection));
        root.addSubcommand(new ApplyCommands.Apply(connection));
        root.addSubcommand(new ApplyCommands.Diff(connection));
        root.addSubcommand(new InstanceCommands.Group(connection));
        root.addSubcommand(new InstanceCommands.Versions(connection));
        root.addSubcommand(new InstanceCommands.Rollback(connection));
        root.addSubcommand(new InstanceCommands.Tag(connection));
        root.addSubcommand(new InstanceCommands.Rename(connection));
        addAction(root, connection, "start", "Request that an instance runs.");
        addAction(root, connection, "stop", "Request that an instance stops.");
        addAction(root, connection, "restart", "Request that a running instance restarts.");
        root.addSubcommand(new InstanceCommands.Delete(connection));
        root.addSubcommand(new DeploymentCommands.Plan(connection));
        root.addSubcommand(new DeploymentCommands.Events(connection));
        root.addSubcommand(new LogsCommand(connection));
        root.addSubcommand(new TemplateCommand(connection));
        root.addSubcommand(new WorkspaceCommand(connection));
        root.addSubcommand(new MemberCommand(connection));
        root.addSubcommand(new SecretCommand(connection));
        root.addSubcommand(new UserCommand(connection));
        root.addSubcommand(new PlanCommand(connection));
        root.addSubcommand(new TokenCommand(connection));
        CommandLine node = new CommandLine(new NodeCommand(connection));
        node.addSubcommand(new NodeCommand.Tokens(connection));
        root.addSubcommand(node);
        root.addSubcommand(new RunCommand(connection));
        root.addSubcommand(new TaskCommand(connection));
        root.addSubcommand(new AuditCommand(connection));
        root.addSubcommand(new GatewayCommands.Key(connection));
        root.addSubcommand(new GatewayCommands.ProviderCommand(connection));
        CommandLine model = new CommandLine(new GatewayCommands.ModelCommand());
        model.addSubcommand(new GatewayCommands.Alias(connection));
        root.addSubcommand(model);
        root.addSubcommand(new GatewayCommands.Usage(connection));
        root.addSubcommand(new GatewayCommands.PriceCommand(connection));
        root.addSubcommand(new SchemaCommand(connection));
        root.addSubcommand(new CompletionCommand(connection));
        root.addSubcommand(new CommandLine.HelpCommand());

        // `roost run echo -n hi`: everything from the command on is the command's, not ours.
        root.getSubcommands().get("run").setStopAtPositional(true);

        // The server command has no server to talk to.
        CommandSpec up = root.getSubcommands().get("up").getCommandSpec();
        up.remove(up.findOption("--server"));

        ErrorHandler errors = new ErrorHandler(context);
        return root.setOut(new PrintWriter(new OutputStreamWriter(context.out(), StandardCharsets.UTF_8), true))
                .setErr(new PrintWriter(new OutputStreamWriter(context.err(), StandardCharsets.UTF_8), true))
                .setExecutionExceptionHandler(errors)
                .setParameterExceptionHandler(errors)
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    private static void addAction(CommandLine root, Connection connection, String action, String description) {
        CommandLine command = new CommandLine(new InstanceCommands.Action(connection, action));
        command.getCommandSpec().usageMessage().description(description);
        root.addSubcommand(action, command);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
