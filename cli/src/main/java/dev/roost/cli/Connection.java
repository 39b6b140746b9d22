package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.CliConfig;
import dev.roost.cli.client.ConfigStore;
import dev.roost.cli.client.Credentials;
import dev.roost.cli.client.RoostClient;
import dev.roost.cli.client.SavedSession;
import dev.roost.cli.output.Printer;
import dev.roost.server.Version;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * What the client commands of one run share: the process context, the server chosen with
 * {@code --server}, {@code ROOST_SERVER} or the saved config, the credentials for it
 * ({@code ROOST_TOKEN} or the saved session), the default workspace, and the printer.
 * Saved tokens are only ever sent to the server they came from.
 */
public final class Connection {
    public static final String DEFAULT_SERVER = "http://127.0.0.1:7070";

    private final CliContext context;
    private final ConfigStore store;
    private final Printer printer;
    private String serverOption;

    public Connection(CliContext context) {
        this.context = requireNonNull(context, "context is null");
        this.store = new ConfigStore(context.configDir());
        this.printer = new Printer(context.out(), context.err());
    }

    public CliContext context() {
        return context;
    }

    public ConfigStore store() {
        return store;
    }

    public Printer printer() {
        return printer;
    }

    /** Set by the global {@code --server} option. */
    void serverOption(String url) {
        this.serverOption = url;
    }

    /** The server URL: {@code --server}, else {@code ROOST_SERVER}, else the saved one, else the local default. */
    public String server() {
        String chosen = serverOption != null ? serverOption : context.variable("ROOST_SERVER");
        if (chosen == null) {
            chosen = store.load().server();
        }
        return normalize(chosen == null ? DEFAULT_SERVER : chosen);
    }

    /** Whether requests are authenticated with {@code ROOST_TOKEN} rather than a saved session. */
    public boolean usingApiToken() {
        return context.variable("ROOST_TOKEN") != null;
    }

    /** A client for the server with the caller's credentials; exit code 3 when there are none. */
    public RoostClient client() {
        String server = server();
        String token = context.variable("ROOST_TOKEN");
        if (token != null) {
            return new RoostClient(server, new Credentials.ApiToken(token), Version.current());
        }
        CliConfig config = store.load();
        if (config.signedIn() && server.equals(config.server())) {
            return new RoostClient(server, new SavedSession(store, config, context.clock()), Version.current());
        }
        throw new CliException(ExitCodes.AUTH, "Not signed in to " + server + ". Sign in with: roost login"
                + (server.equals(config.server()) || config.server() == null ? "" : " --server " + server)
                + " (or set ROOST_TOKEN to an API token)");
    }

    /** A client for the server that sends no credentials. */
    public RoostClient anonymous() {
        return anonymous(server());
    }

    public RoostClient anonymous(String server) {
        return new RoostClient(server, Credentials.NONE, Version.current());
    }

    /**
     * The workspace a command works in: {@code -w}, else {@code ROOST_WORKSPACE}, else the one
     * picked with {@code roost workspace use}. Exit code 2 when there is none.
     */
    public String workspace(String explicit) {
        String chosen = explicitWorkspace(explicit);
        if (chosen == null) {
            throw new CliException(ExitCodes.USAGE, "No workspace given. Pass -w WORKSPACE, set ROOST_WORKSPACE, or pick a "
                    + "default with: roost workspace use WORKSPACE");
        }
        return chosen;
    }

    /** Like {@link #workspace(String)}, but null when none is chosen. */
    public String explicitWorkspace(String explicit) {
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        String fromEnvironment = context.variable("ROOST_WORKSPACE");
        if (fromEnvironment != null) {
            return fromEnvironment;
        }
        CliConfig config = store.load();
        return config.workspace() != null && (config.server() == null || Objects.equals(config.server(), server()))
                ? config.workspace() : null;
    }

    /**
     * Asks before something that cannot be undone. {@code --yes} answers for the user; without
     * it and without a terminal to ask on, the command refuses (exit code 2).
     */
    public void confirm(String question, boolean yes, String what) {
        if (yes) {
            return;
        }
        if (!context.interactive()) {
            throw new CliException(ExitCodes.USAGE, "Refusing to " + what + " without --yes: there is no terminal to ask for "
                    + "confirmation on.");
        }
        String answer = context.terminal().readLine(question + " [y/N] ");
        if (answer == null || !answer.trim().toLowerCase(Locale.ROOT).matches("y|yes")) {
            throw new CliException(ExitCodes.FAILED, "Cancelled; nothing was changed.");
        }
    }

    /**
     * A password: the first line of standard input when it is not a terminal (or {@code fromStdin}),
     * else asked for twice on the terminal when {@code confirm}, once otherwise, without echo.
     */
    public String password(boolean fromStdin, String prompt, boolean confirm) {
        if (fromStdin || !context.interactive()) {
            String line = firstLine();
            if (line == null || line.isEmpty()) {
                throw new CliException(ExitCodes.USAGE, "No password on standard input. Pipe it in, e.g. "
                        + "printf '%s\\n' \"$PASSWORD\" | roost ...; passwords are never taken as arguments.");
            }
            return line;
        }
        char[] first = context.terminal().readPassword(prompt);
        if (first == null || first.length == 0) {
            throw new CliException(ExitCodes.USAGE, "No password given.");
        }
        if (confirm) {
            char[] second = context.terminal().readPassword("Repeat it: ");
            if (second == null || !Arrays.equals(first, second)) {
                throw new CliException(ExitCodes.USAGE, "The passwords do not match.");
            }
        }
        return new String(first);
    }

    private String firstLine() {
        try {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            while ((c = context.in().read()) != -1 && c != '\n') {
                line.write(c);
            }
            if (c == -1 && line.size() == 0) {
                return null;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "cannot read standard input: " + e.getMessage());
        }
    }

    static String normalize(String url) {
        String trimmed = url.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(trimmed);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "The server URL " + url + " is not a valid URL.");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new CliException(ExitCodes.USAGE, "The server URL must look like http://HOST:PORT or https://HOST, not " + url);
        }
        return trimmed;
    }
}
