package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.ApiResponse;
import dev.roost.cli.client.CliConfig;
import dev.roost.cli.client.ProblemException;
import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.Fields;
import dev.roost.cli.output.OutputOption;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Signing in and out, and finding out where you are: login, logout, whoami, status. */
final class SessionCommands {
    private SessionCommands() {
    }

    @Command(mixinStandardHelpOptions = true, name = "login", description = {"Sign in to a Roost server and remember the session.",
            "The password is asked for on the terminal, or read from standard input with --password-stdin; "
                    + "it is never taken as an argument."})
    static final class Login implements Callable<Integer> {
        private final Connection connection;

        @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "Who to sign in as (default: the last one).")
        String username;

        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean passwordStdin;

        Login(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            CliContext context = connection.context();
            String server = connection.server();
            CliConfig previous = connection.store().load();
            String user = username;
            if (user == null && context.interactive() && !passwordStdin) {
                String suggestion = server.equals(previous.server()) ? previous.username() : null;
                String answer = context.terminal().readLine("Username" + (suggestion == null ? "" : " [" + suggestion + "]") + ": ");
                user = answer == null || answer.isBlank() ? suggestion : answer.trim();
            } else if (user == null && server.equals(previous.server())) {
                user = previous.username();
            }
            if (user == null || user.isBlank()) {
                throw new CliException(ExitCodes.USAGE, "Who is signing in? Pass --username USER.");
            }
            String password = connection.password(passwordStdin, "Password for " + user + " at " + server + ": ", false);
            if (cleartext(server)) {
                context.err().println("warning: " + server + " is plain http: the password and tokens cross the network "
                        + "unencrypted. Use https:// for a server on another machine.");
            }
            RoostClient anonymous = connection.anonymous();
            Instant asked = context.clock().instant();
            JsonNode pair = anonymous.post("/api/v1/auth/login", Map.of("username", user, "password", password)).json();
            if (previous.signedIn() && server.equals(previous.server())) {
                endQuietly(anonymous, previous.refreshToken()); // the session this one replaces
            }
            CliConfig base = server.equals(previous.server()) ? previous : CliConfig.EMPTY;
            CliConfig next = base.withSession(server, user, pair.path("accessToken").asString(),
                    pair.path("refreshToken").asString(), asked.plusSeconds(pair.path("expiresIn").asLong(0)));
            connection.store().save(next);
            connection.printer().line("Signed in to " + server + " as " + user + ".");
            if (next.workspace() == null) {
                connection.printer().line("Pick a default workspace with: roost workspace use NAME (roost get workspaces lists them)");
            }
            return ExitCodes.OK;
        }

        private static boolean cleartext(String server) {
            URI uri = URI.create(server);
            String host = uri.getHost();
            return uri.getScheme().equalsIgnoreCase("http")
                    && !(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"));
        }

        private static void endQuietly(RoostClient anonymous, String refreshToken) {
            try {
                anonymous.post("/api/v1/auth/logout", Map.of("refreshToken", refreshToken));
            } catch (RuntimeException e) {
                // best effort: the old session expires by itself
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "logout", description = "Sign out: end the session on the server and forget its tokens here.")
    static final class Logout implements Callable<Integer> {
        private final Connection connection;

        Logout(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            CliConfig config = connection.store().load();
            if (!config.signedIn()) {
                connection.printer().line("Not signed in.");
                return ExitCodes.OK;
            }
            connection.store().save(config.withoutTokens());
            try {
                connection.anonymous(config.server()).post("/api/v1/auth/logout", Map.of("refreshToken", config.refreshToken()));
            } catch (ProblemException e) {
                // the server no longer knows the session: signed out all the same
            } catch (CliException e) {
                connection.context().err().println("warning: the tokens are forgotten here, but the session could not be "
                        + "ended on the server: " + e.getMessage());
                return e.exitCode();
            }
            connection.printer().line("Signed out of " + config.server() + ".");
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "whoami", description = "Show who you are signed in as, and your workspaces and roles.")
    static final class Whoami implements Callable<Integer> {
        private final Connection connection;

        @Mixin
        OutputOption output;

        Whoami(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            RoostClient client = connection.client();
            JsonNode me = client.get("/api/v1/auth/me").json();
            connection.printer().print(output.format(), me, () -> describe(me, client.server()).render());
            return ExitCodes.OK;
        }

        static Fields describe(JsonNode me, String server) {
            List<String> workspaces = new ArrayList<>();
            for (JsonNode m : me.path("workspaces")) {
                workspaces.add(m.path("workspace").asString() + " (" + m.path("role").asString() + ")");
            }
            return new Fields()
                    .add("Username", me.path("username").asString(null))
                    .add("Display name", me.path("displayName").asString(null))
                    .add("Server admin", me.path("serverAdmin").asBoolean() ? "yes" : "no")
                    .add("Signed in with", method(me.path("authenticatedWith").asString(null)))
                    .add("Server", server)
                    .add("Workspaces", String.join(", ", workspaces));
        }

        private static String method(String raw) {
            return raw == null ? null : switch (raw) {
                case "PASSWORD", "ACCESS_TOKEN", "SESSION" -> "password (session)";
                case "API_TOKEN" -> "API token";
                default -> raw.toLowerCase(Locale.ROOT).replace('_', ' ');
            };
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "status", description = {"Show the server, whether it is ready, and who you are signed in as.",
            "Exits with 5 when the server cannot be reached or is not ready."})
    static final class Status implements Callable<Integer> {
        private final Connection connection;

        @Mixin
        OutputOption output;

        Status(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            String server = connection.server();
            RoostClient anonymous = connection.anonymous();
            ObjectNode status = JsonNodeFactory.instance.objectNode();
            status.put("server", server);
            Fields fields = new Fields();
            int exit = ExitCodes.OK;
            try {
                JsonNode health = anonymous.probe("/healthz").json();
                ApiResponse ready = anonymous.probe("/readyz");
                JsonNode readiness = ready.json();
                status.put("version", health.path("version").asString(null));
                status.put("ready", ready.status() == 200);
                status.set("checks", readiness.path("checks"));
                List<String> checks = new ArrayList<>();
                readiness.path("checks").properties().forEach(e -> checks.add(e.getKey() + " " + e.getValue().asString()));
                fields.add("Server", server + " (roost " + health.path("version").asString("?") + ")");
                fields.add("Ready", (ready.status() == 200 ? "yes" : "NO") + " (" + String.join(", ", checks) + ")");
                JsonNode inference = readiness.path("inference");
                if (inference.isObject()) {
                    status.set("inference", inference);
                    fields.add("Inference", inference.path("promptTasks").asBoolean()
                            ? "available server-wide (default model '" + inference.path("defaultModel").asString("default") + "')"
                            : "not available server-wide: " + inference.path("reason").asString("unknown"));
                }
                if (ready.status() != 200) {
                    exit = ExitCodes.UNREACHABLE;
                }
            } catch (CliException e) {
                status.put("ready", false);
                status.put("error", e.getMessage());
                fields.add("Server", server);
                fields.add("Ready", "NO: " + e.getMessage());
                exit = e.exitCode();
            }
            if (exit == ExitCodes.OK) {
                fields.add("Signed in", signedIn(status));
            }
            String workspace = connection.explicitWorkspace(null);
            status.put("workspace", workspace);
            fields.add("Workspace", workspace == null ? "none (roost workspace use NAME)" : workspace);
            if (exit == ExitCodes.OK && workspace != null) {
                fields.add("Prompt tasks", promptTasks(workspace, status));
            }
            fields.add("Config", connection.store().file());
            connection.printer().print(output.format(), status, fields::render);
            return exit;
        }

        /** Whether the workspace's prompt tasks can be answered, and if not, what to configure. */
        private String promptTasks(String workspace, ObjectNode status) {
            try {
                JsonNode inference = connection.client().get("/api/v1/workspaces/" + workspace + "/inference").json();
                status.set("workspaceInference", inference);
                if (!"available".equals(inference.path("status").asString())) {
                    return "NO: " + inference.path("reason").asString("unknown");
                }
                List<String> targets = new ArrayList<>();
                inference.path("targets").forEach(t -> targets.add(t.path("provider").asString() + "/" + t.path("model").asString()
                        + (t.path("reachable").asBoolean() ? "" : " (" + t.path("detail").asString() + ")")));
                return "yes, default model '" + inference.path("defaultModel").asString() + "' -> " + String.join(", ", targets);
            } catch (CliException | ProblemException e) {
                return "unknown: " + ErrorHandler.describe(e).lines().findFirst().orElse("");
            }
        }

        private String signedIn(ObjectNode status) {
            try {
                JsonNode me = connection.client().get("/api/v1/auth/me").json();
                status.set("user", me);
                return me.path("username").asString() + (me.path("serverAdmin").asBoolean() ? " (server admin)" : "")
                        + (connection.usingApiToken() ? " with ROOST_TOKEN" : "");
            } catch (CliException | ProblemException e) {
                status.put("user", (String) null);
                return "no: " + ErrorHandler.describe(e).lines().findFirst().orElse("");
            }
        }
    }
}
