package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.server.RoostServer;
import dev.roost.server.bootstrap.FirstStart;
import dev.roost.server.config.RoostConfig;
import dev.roost.server.logging.LogSetup;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code roost up}: starts the server with its embedded PostgreSQL and waits for Ctrl-C. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start the Roost server (and its embedded PostgreSQL) in the foreground.",
                "Settings also come from ROOST_* environment variables; see docs/configuration.md."})
final class UpCommand implements Callable<Integer> {
    private final CliContext context;

    @Option(names = "--home", paramLabel = "DIR", description = "Data directory (default: $ROOST_HOME or ~/.roost).")
    Path home;

    @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (default: $ROOST_PORT or 7070; 0 picks a free one).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default: $ROOST_BIND or 127.0.0.1).")
    String bind;

    @Option(names = "--database-url", paramLabel = "URL",
            description = "Use an external PostgreSQL instead of the embedded one, e.g. postgresql://roost@db:5432/roost "
                    + "(default: $ROOST_DATABASE_URL). Put the password in the URL only via the environment variable.")
    String databaseUrl;

    @Option(names = "--runtime", paramLabel = "RUNTIME",
            description = "Where instances run: auto (Docker when a daemon answers), docker, fake or none. Default: $ROOST_RUNTIME or auto.")
    String runtime;

    @Option(names = "--no-local-node",
            description = "Start no local node next to the server (also ROOST_LOCAL_NODE=off); tasks then need joined nodes.")
    boolean noLocalNode;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "json, text or auto (text on a terminal). Default: $ROOST_LOG_FORMAT or auto.")
    LogSetup.Format logFormat;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info, debug. Default: $ROOST_LOG_LEVEL or info.")
    String logLevel;

    UpCommand(CliContext context) {
        this.context = requireNonNull(context, "context is null");
    }

    @Override
    public Integer call() throws Exception {
        LogSetup.Format format = logFormat != null ? logFormat
                : LogSetup.Format.valueOf(context.env().getOrDefault("ROOST_LOG_FORMAT", "auto").toUpperCase(Locale.ROOT));
        LogSetup.configure(format, logLevel != null ? logLevel : context.env().getOrDefault("ROOST_LOG_LEVEL", "info"));
        RoostConfig config;
        try {
            config = RoostConfig.fromEnvironment(context.env());
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, e.getMessage());
        }
        if (home != null) {
            config = config.withHome(home);
        }
        if (port != null) {
            config = config.withPort(port);
        }
        if (bind != null) {
            config = config.withBindAddress(bind);
        }
        if (databaseUrl != null) {
            config = config.withDatabaseUrl(databaseUrl);
        }
        if (runtime != null) {
            try {
                config = config.withRuntime(runtime.toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCodes.USAGE, e.getMessage());
            }
        }
        context.out().println("Starting Roost (home " + config.home() + ")...");
        RoostServer server;
        try {
            server = RoostServer.start(config);
        } catch (IllegalStateException | IllegalArgumentException | dev.roost.store.DatabaseUnavailableException e) {
            throw new CliException(ExitCodes.UNREACHABLE, e.getMessage());
        }
        boolean localNode = !noLocalNode && !List.of("off", "false", "no", "0")
                .contains(context.env().getOrDefault("ROOST_LOCAL_NODE", "on").trim().toLowerCase(Locale.ROOT));
        LocalNode node = localNode ? LocalNode.start(server, config.home().resolve("node"), context.err(), context.env()) : null;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            context.out().println("Stopping Roost...");
            if (node != null) {
                node.close();
            }
            server.close();
            stopped.countDown();
        }, "roost-shutdown"));
        printBanner(server, context.out());
        stopped.await();
        return ExitCodes.OK;
    }

    private static void printBanner(RoostServer server, PrintStream stdout) {
        String url = server.url();
        FirstStart.Outcome first = server.firstStart();
        StringBuilder out = new StringBuilder();
        out.append('\n').append("Roost is ready at ").append(url).append('\n');
        out.append("  Sign in:  roost login --server ").append(url).append(" --username ").append(first.adminUsername()).append('\n');
        if (first.generatedPassword() != null) {
            out.append("  Password for '").append(first.adminUsername()).append("' (shown this once): ")
                    .append(first.generatedPassword()).append('\n');
            out.append("            also saved in ").append(first.passwordFile()).append(" (readable by you only)\n");
        } else if (first.adminCreated()) {
            out.append("  Password: the one in ROOST_ADMIN_PASSWORD\n");
        }
        out.append("  Data:     ").append(server.config().home())
                .append(server.config().databaseUrl() == null ? " (embedded PostgreSQL)" : " (external PostgreSQL)").append('\n');
        out.append("  API:      ").append(url).append("/api/openapi.json   health: ").append(url).append("/healthz\n");
        out.append("Press Ctrl-C to stop.\n");
        stdout.print(out);
        stdout.flush();
    }
}
