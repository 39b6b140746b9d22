package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.cli.client.ApiJson;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Runs the real CLI in this JVM, as a user at a shell would: its own config directory and
 * environment, given standard input, captured standard output and error. Remembers everything
 * printed, so a test can check that no secret was ever shown.
 */
final class CliRunner {
    private final Path configDir;
    private final Map<String, String> env = new HashMap<>();
    private final List<Result> history = new ArrayList<>();
    private final Set<String> secrets = new HashSet<>();
    private Terminal terminal;
    private Clock clock = Clock.systemUTC();

    record Result(int exit, String out, String err) {
        String both() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    CliRunner(String server) {
        try {
            Path base = Files.createDirectories(Path.of("target", "cli-homes"));
            this.configDir = Files.createTempDirectory(base, "config-").resolve("roost");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (server != null) {
            env.put("ROOST_SERVER", server);
        }
    }

    private CliRunner(Path configDir, Map<String, String> env) {
        this.configDir = configDir;
        this.env.putAll(env);
    }

    /** Another runner (another "process") using the same config directory and environment. */
    CliRunner sharingConfig() {
        return new CliRunner(configDir, env);
    }

    CliRunner env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    /** A value that must never be printed. */
    CliRunner secret(String value) {
        secrets.add(value);
        return this;
    }

    CliRunner terminal(Terminal value) {
        this.terminal = value;
        return this;
    }

    CliRunner clock(Clock value) {
        this.clock = value;
        return this;
    }

    Path configDir() {
        return configDir;
    }

    Path configFile() {
        return configDir.resolve("config.json");
    }

    String config() {
        try {
            return Files.readString(configFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Result run(String... args) {
        return runWithInput("", args);
    }

    Result runWithInput(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext context = new CliContext(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env, configDir, terminal, clock);
        int exit = Main.run(context, args);
        Result result = new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        history.add(result);
        rememberSavedTokens();
        return result;
    }

    private void rememberSavedTokens() {
        if (Files.exists(configFile())) {
            JsonNode saved = ApiJson.MAPPER.readTree(config());
            for (String field : List.of("accessToken", "refreshToken")) {
                String value = saved.path(field).asString(null);
                if (value != null) {
                    secrets.add(value);
                }
            }
        }
    }

    /** Every token this runner's config ever held, and ROOST_TOKEN, appears in nothing it printed. */
    void assertNoTokenPrinted() {
        if (env.containsKey("ROOST_TOKEN")) {
            secrets.add(env.get("ROOST_TOKEN"));
        }
        assertThat(secrets).as("tokens seen").isNotEmpty();
        for (Result r : history) {
            for (String secret : secrets) {
                assertThat(r.both()).as("output of a command").doesNotContain(secret);
            }
        }
    }

    /** Everything any command run by this runner printed. */
    List<Result> history() {
        return history;
    }
}
