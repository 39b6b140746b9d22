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
 * @param egressAllow          host names the job may reach over HTTP(S) through the node's egress proxy ({@code example.com}, or
 *                             {@code *.example.com} for every name below it); empty: no network at all, not even the proxy.
 *                             Lower-cased, duplicates dropped, at most {@value #MAX_EGRESS_ALLOW} names
 */
public record SandboxJob(String name, Command command, Map<String, byte[]> attachments, Map<String, String> environment,
                         SandboxLimits limits, boolean keepWorkingDirectory, List<String> egressAllow) {
    /** How many names {@link #egressAllow} may hold. */
    public static final int MAX_EGRESS_ALLOW = 64;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** A DNS label: letters, digits, inner hyphens, 1-63 characters. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

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
        requireNonNull(egressAllow, "egressAllow is null");
        if (egressAllow.size() > MAX_EGRESS_ALLOW) {
            throw new IllegalArgumentException("egressAllow holds " + egressAllow.size() + " names; at most " + MAX_EGRESS_ALLOW
                    + " are allowed (use a *.domain wildcard)");
        }
        egressAllow = egressAllow.stream().map(SandboxJob::checkEgressName).distinct().toList();
    }

    /** A job as before egress existed: no network at all. */
    public SandboxJob(String name, Command command, Map<String, byte[]> attachments, Map<String, String> environment,
                      SandboxLimits limits, boolean keepWorkingDirectory) {
        this(name, command, attachments, environment, limits, keepWorkingDirectory, List.of());
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
        return new SandboxJob(name, command, files, environment, limits, keepWorkingDirectory, egressAllow);
    }

    public SandboxJob withEnvironment(Map<String, String> variables) {
        return new SandboxJob(name, command, attachments, variables, limits, keepWorkingDirectory, egressAllow);
    }

    public SandboxJob withLimits(SandboxLimits newLimits) {
        return new SandboxJob(name, command, attachments, environment, newLimits, keepWorkingDirectory, egressAllow);
    }

    public SandboxJob keepingWorkingDirectory() {
        return new SandboxJob(name, command, attachments, environment, limits, true, egressAllow);
    }

    /** The same job, allowed to reach these host names (and nothing else) through the node's egress proxy. */
    public SandboxJob withEgressAllow(List<String> hosts) {
        return new SandboxJob(name, command, attachments, environment, limits, keepWorkingDirectory, hosts);
    }

    /** Whether the job reaches anything outside its jail (through the egress proxy). */
    public boolean hasEgress() {
        return !egressAllow.isEmpty();
    }

    /**
     * Checks one {@link #egressAllow} entry and returns it lower-cased without a trailing dot: a
     * DNS host name ({@code api.example.com}) or a wildcard for every name below a domain
     * ({@code *.example.com}, which does not match {@code example.com} itself). IP addresses,
     * ports, schemes, paths and bare {@code *} are refused: the allowlist names hosts.
     */
    public static String checkEgressName(String entry) {
        requireNonNull(entry, "egressAllow entry is null");
        String host = entry.strip().toLowerCase(java.util.Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        boolean wildcard = host.startsWith("*.");
        String domain = wildcard ? host.substring(2) : host;
        if (domain.isEmpty() || domain.length() > 253) {
            throw new IllegalArgumentException("egressAllow entry must be a host name of 1-253 characters: " + printable(entry));
        }
        String[] labels = domain.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("egressAllow entry must be a host name (letters, digits, '-', '.'), optionally"
                        + " starting with '*.': " + printable(entry));
            }
        }
        if (labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("egressAllow names hosts, not IP addresses: " + printable(entry));
        }
        if (wildcard && labels.length < 2) {
            throw new IllegalArgumentException("a wildcard must name a domain of at least two labels (*.example.com): "
                    + printable(entry));
        }
        return host;
    }

    /** The entry as it may appear in an error message: bounded, control characters shown as '?'. */
    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
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
