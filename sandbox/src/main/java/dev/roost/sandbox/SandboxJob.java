package dev.roost.sandbox;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One job for a sandbox: what to run, the files it starts with, its environment and limits.
 *
 * <p>The job runs in a fresh working directory, {@code /work} inside the jail, which holds the
 * attachments and an empty {@code out/}; files left under {@code out/} come back as artifacts.
 * The environment is exactly {@link #environment} on top of a fixed base ({@code PATH},
 * {@code HOME=/work}, {@code TMPDIR=/tmp}, {@code LANG=C.UTF-8}); nothing is inherited from
 * the node. Standard input is empty.
 *
 * @param name                 names the job's directory and cgroup (a random suffix keeps them apart); letters, digits, {@code . _ -}
 * @param command              what to run
 * @param attachments          relative file name → content, placed in the working directory before the job starts
 * @param environment          the job's environment variables, over the base
 * @param limits               what the job may use
 * @param keepWorkingDirectory leave the working directory on the host after the job (for inspection); normally it is deleted
 */
public record SandboxJob(String name, Command command, Map<String, byte[]> attachments, Map<String, String> environment,
                         SandboxLimits limits, boolean keepWorkingDirectory) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** What a job runs. */
    public sealed interface Command permits Argv, Script {
    }

    /** A program and its arguments, run directly (no shell). {@code argv[0]} is looked up in the base {@code PATH}. */
    public record Argv(List<String> args) implements Command {
        public Argv {
            args = List.copyOf(args);
            if (args.isEmpty()) {
                throw new IllegalArgumentException("argv is empty");
            }
        }
    }

    /** A script body, run by {@code /bin/sh} from a read-only file (so its size is not bound by argument limits). */
    public record Script(String body) implements Command {
        public Script {
            requireNonNull(body, "body is null");
        }
    }

    public SandboxJob {
        requireNonNull(name, "name is null");
        requireNonNull(command, "command is null");
        requireNonNull(limits, "limits is null");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("job name must be 1-64 letters, digits, '.', '_' or '-': " + name);
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        attachments.forEach((file, content) -> files.put(checkAttachmentName(file), requireNonNull(content, "content is null").clone()));
        attachments = java.util.Collections.unmodifiableMap(files);
        environment.forEach((key, value) -> {
            if (!ENV_NAME.matcher(key).matches()) {
                throw new IllegalArgumentException("not an environment variable name: " + key);
            }
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("environment variable " + key + " holds a NUL character");
            }
        });
        environment = Map.copyOf(environment);
    }

    /** A script job with default limits and nothing else. */
    public static SandboxJob script(String name, String body) {
        return new SandboxJob(name, new Script(body), Map.of(), Map.of(), SandboxLimits.DEFAULT, false);
    }

    /** An argv job with default limits and nothing else. */
    public static SandboxJob argv(String name, String... argv) {
        return new SandboxJob(name, new Argv(List.of(argv)), Map.of(), Map.of(), SandboxLimits.DEFAULT, false);
    }

    public SandboxJob withAttachments(Map<String, byte[]> files) {
        return new SandboxJob(name, command, files, environment, limits, keepWorkingDirectory);
    }

    public SandboxJob withEnvironment(Map<String, String> variables) {
        return new SandboxJob(name, command, attachments, variables, limits, keepWorkingDirectory);
    }

    public SandboxJob withLimits(SandboxLimits newLimits) {
        return new SandboxJob(name, command, attachments, environment, newLimits, keepWorkingDirectory);
    }

    public SandboxJob keepingWorkingDirectory() {
        return new SandboxJob(name, command, attachments, environment, limits, true);
    }

    /**
     * Checks that an attachment lands inside the working directory: relative, no {@code ..},
     * no empty or {@code .} segments, no NUL.
     */
    static String checkAttachmentName(String file) {
        requireNonNull(file, "attachment name is null");
        if (file.isEmpty() || file.indexOf('\0') >= 0 || file.startsWith("/") || file.endsWith("/") || file.length() > 255) {
            throw new IllegalArgumentException("attachment name must be a relative file path: " + file);
        }
        for (String segment : file.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("attachment name must not contain '.', '..' or empty segments: " + file);
            }
        }
        if (!Path.of(file).normalize().toString().equals(file)) {
            throw new IllegalArgumentException("attachment name is not in normal form: " + file);
        }
        return file;
    }
}
