package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Everything the CLI takes from the process it runs in: standard streams, environment, where its
 * settings live, the terminal (null when there is none to prompt on) and the clock. Tests build one
 * with their own streams and a temporary config directory, so nothing touches the real home.
 */
public record CliContext(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Path configDir,
        Terminal terminal, Clock clock) {

    public CliContext {
        requireNonNull(in, "in is null");
        requireNonNull(out, "out is null");
        requireNonNull(err, "err is null");
        env = Map.copyOf(requireNonNull(env, "env is null"));
        requireNonNull(configDir, "configDir is null");
        requireNonNull(clock, "clock is null");
    }

    /** The real process: System streams and environment, and the console when attached to a terminal. */
    public static CliContext system() {
        Map<String, String> env = System.getenv();
        return new CliContext(System.in, System.out, System.err, env,
                configDir(env, System.getProperty("user.home")), Terminal.system(), Clock.systemUTC());
    }

    /** {@code $ROOST_CONFIG_DIR}, else {@code $XDG_CONFIG_HOME/roost}, else {@code ~/.config/roost}. */
    public static Path configDir(Map<String, String> env, String userHome) {
        String explicit = env.get("ROOST_CONFIG_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "roost");
        }
        return Path.of(userHome, ".config", "roost");
    }

    public boolean interactive() {
        return terminal != null;
    }

    /** An environment variable, or null when it is unset or empty. */
    public String variable(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }
}
