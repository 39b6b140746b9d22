package dev.roost.runtime.docker;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@link DockerRuntime} reaches the daemon and shapes containers. Every field has a default
 * that works on a single machine ({@link #defaults()}); {@link #fromEnvironment} reads the
 * {@code ROOST_DOCKER_*} variables listed in {@code docs/runtime-docker.md}.
 *
 * @param host            the daemon's address: {@code unix:///var/run/docker.sock} or {@code tcp://host:2376}
 * @param user            the user every container runs as, {@code uid:gid}; never root
 * @param secretDirectory where secret files are written on the daemon's host before being
 *                        bind-mounted read-only; should be a tmpfs so values never reach a disk
 * @param gatewayPort     the port of Roost's gateway on each instance network's gateway address;
 *                        the only host port a container may open connections to
 * @param stopGrace       how long a stop waits for the process to exit before killing it
 * @param pullTimeout     how long an image pull may take before it counts as failed
 * @param tmpSizeBytes    size of the writable tmpfs at {@code /tmp} in each container
 * @param subnetPool      the IPv4 range instance networks are cut from, e.g. {@code 10.213.0.0/16}
 * @param subnetPrefix    the prefix length of each instance network ({@code 28}: 13 containers)
 * @param firewall        whether Roost installs its iptables rules for instance networks
 * @param labels          extra labels put on everything this runtime creates, and required on
 *                        everything it observes: separates several Roost installations (or test
 *                        runs) sharing one daemon
 */
public record DockerSettings(
        String host,
        String user,
        Path secretDirectory,
        int gatewayPort,
        Duration stopGrace,
        Duration pullTimeout,
        long tmpSizeBytes,
        String subnetPool,
        int subnetPrefix,
        Firewall firewall,
        Map<String, String> labels) {

    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";
    public static final String DEFAULT_USER = "65534:65534";
    public static final Path DEFAULT_SECRET_DIRECTORY = Path.of("/dev/shm/roost-secrets");
    public static final int DEFAULT_GATEWAY_PORT = 7070;
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(5);
    public static final long DEFAULT_TMP_SIZE_BYTES = 64L << 20;
    public static final String DEFAULT_SUBNET_POOL = "10.213.0.0/16";
    public static final int DEFAULT_SUBNET_PREFIX = 28;

    /** Whether Roost guards instance networks with its own iptables rules (see {@link HostFirewall}). */
    public enum Firewall {
        /** Install the rules when iptables works here and the daemon is local; otherwise warn once. */
        AUTO,
        /** Refuse to start networked containers unless the rules are in place. */
        REQUIRED,
        /** Never touch iptables. Containers on instance networks can reach every port of the host. */
        OFF
    }

    private static final Pattern USER = Pattern.compile("(\\d+):(\\d+)");
    private static final Pattern LABEL_KEY = Pattern.compile("[a-z0-9][a-z0-9.\\-]*");

    public DockerSettings {
        requireNonNull(host, "host is null");
        requireNonNull(user, "user is null");
        requireNonNull(secretDirectory, "secretDirectory is null");
        requireNonNull(stopGrace, "stopGrace is null");
        requireNonNull(pullTimeout, "pullTimeout is null");
        requireNonNull(subnetPool, "subnetPool is null");
        requireNonNull(firewall, "firewall is null");
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(labels, "labels is null")));
        if (!host.startsWith("unix://") && !host.startsWith("tcp://") && !host.startsWith("npipe://")) {
            throw new IllegalArgumentException("the Docker host must be unix://PATH or tcp://HOST:PORT, got " + host);
        }
        Matcher m = USER.matcher(user);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException("the container user must be UID:GID with a UID other than 0, got " + user);
        }
        if (!secretDirectory.isAbsolute()) {
            throw new IllegalArgumentException("the secret directory must be an absolute path, got " + secretDirectory);
        }
        if (gatewayPort < 1 || gatewayPort > 65535) {
            throw new IllegalArgumentException("the gateway port must be 1..65535, got " + gatewayPort);
        }
        if (stopGrace.isNegative() || pullTimeout.isNegative() || pullTimeout.isZero()) {
            throw new IllegalArgumentException("stop grace must not be negative and the pull timeout must be positive");
        }
        if (tmpSizeBytes < 1 << 20) {
            throw new IllegalArgumentException("the /tmp size must be at least 1 MiB, got " + tmpSizeBytes);
        }
        SubnetPool.parse(subnetPool, subnetPrefix);
        for (String key : labels.keySet()) {
            if (!LABEL_KEY.matcher(key).matches() || key.startsWith(ContainerLabels.PREFIX)) {
                throw new IllegalArgumentException("extra label " + key + " must be lower-case letters, digits, dots and dashes, "
                        + "and must not start with " + ContainerLabels.PREFIX);
            }
        }
    }

    public static DockerSettings defaults() {
        return new DockerSettings(DEFAULT_HOST, DEFAULT_USER, DEFAULT_SECRET_DIRECTORY, DEFAULT_GATEWAY_PORT, DEFAULT_STOP_GRACE,
                DEFAULT_PULL_TIMEOUT, DEFAULT_TMP_SIZE_BYTES, DEFAULT_SUBNET_POOL, DEFAULT_SUBNET_PREFIX, Firewall.AUTO, Map.of());
    }

    /**
     * The settings from the environment: {@code DOCKER_HOST}, {@code ROOST_DOCKER_USER},
     * {@code ROOST_DOCKER_SECRET_DIR}, {@code ROOST_GATEWAY_PORT}, {@code ROOST_DOCKER_STOP_GRACE},
     * {@code ROOST_DOCKER_PULL_TIMEOUT} (durations as {@code 10s}, {@code 5m}),
     * {@code ROOST_DOCKER_TMP_SIZE} (bytes, or {@code 64m}), {@code ROOST_DOCKER_SUBNET_POOL},
     * {@code ROOST_DOCKER_SUBNET_PREFIX}, {@code ROOST_DOCKER_FIREWALL} ({@code auto}, {@code required},
     * {@code off}). Unset or empty variables keep the default.
     *
     * @throws IllegalArgumentException naming the variable whose value is malformed
     */
    public static DockerSettings fromEnvironment(Map<String, String> env) {
        DockerSettings d = defaults();
        try {
            return new DockerSettings(
                    value(env, "DOCKER_HOST", d.host),
                    value(env, "ROOST_DOCKER_USER", d.user),
                    Path.of(value(env, "ROOST_DOCKER_SECRET_DIR", d.secretDirectory.toString())),
                    parseInt(env, "ROOST_GATEWAY_PORT", d.gatewayPort),
                    parseDuration(env, "ROOST_DOCKER_STOP_GRACE", d.stopGrace),
                    parseDuration(env, "ROOST_DOCKER_PULL_TIMEOUT", d.pullTimeout),
                    parseSize(env, "ROOST_DOCKER_TMP_SIZE", d.tmpSizeBytes),
                    value(env, "ROOST_DOCKER_SUBNET_POOL", d.subnetPool),
                    parseInt(env, "ROOST_DOCKER_SUBNET_PREFIX", d.subnetPrefix),
                    Firewall.valueOf(value(env, "ROOST_DOCKER_FIREWALL", "auto").toUpperCase(Locale.ROOT)),
                    Map.of());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Docker runtime settings: " + e.getMessage(), e);
        }
    }

    /** Whether the daemon runs on this machine, so container addresses, secret files and iptables rules are local. */
    public boolean localDaemon() {
        return host.startsWith("unix://");
    }

    public DockerSettings withHost(String value) {
        return new DockerSettings(value, user, secretDirectory, gatewayPort, stopGrace, pullTimeout, tmpSizeBytes, subnetPool,
                subnetPrefix, firewall, labels);
    }

    public DockerSettings withSecretDirectory(Path value) {
        return new DockerSettings(host, user, value, gatewayPort, stopGrace, pullTimeout, tmpSizeBytes, subnetPool,
                subnetPrefix, firewall, labels);
    }

    public DockerSettings withGatewayPort(int value) {
        return new DockerSettings(host, user, secretDirectory, value, stopGrace, pullTimeout, tmpSizeBytes, subnetPool,
                subnetPrefix, firewall, labels);
    }

    public DockerSettings withStopGrace(Duration value) {
        return new DockerSettings(host, user, secretDirectory, gatewayPort, value, pullTimeout, tmpSizeBytes, subnetPool,
                subnetPrefix, firewall, labels);
    }

    public DockerSettings withPullTimeout(Duration value) {
        return new DockerSettings(host, user, secretDirectory, gatewayPort, stopGrace, value, tmpSizeBytes, subnetPool,
                subnetPrefix, firewall, labels);
    }

    public DockerSettings withFirewall(Firewall value) {
        return new DockerSettings(host, user, secretDirectory, gatewayPort, stopGrace, pullTimeout, tmpSizeBytes, subnetPool,
                subnetPrefix, value, labels);
    }

    public DockerSettings withSubnetPool(String pool, int prefix) {
        return new DockerSettings(host, user, secretDirectory, gatewayPort, stopGrace, pullTimeout, tmpSizeBytes, pool,
                prefix, firewall, labels);
    }

    public DockerSettings withLabels(Map<String, String> value) {
        return new DockerSettings(host, user, secretDirectory, gatewayPort, stopGrace, pullTimeout, tmpSizeBytes, subnetPool,
                subnetPrefix, firewall, value);
    }

    private static String value(Map<String, String> env, String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static int parseInt(Map<String, String> env, String name, int fallback) {
        String v = value(env, name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + v + "'");
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private static Duration parseDuration(Map<String, String> env, String name, Duration fallback) {
        String v = value(env, name, null);
        if (v == null) {
            return fallback;
        }
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException(name + " must be a duration such as 500ms, 10s, 5m or 1h, got '" + v + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+)([kmg]?)", Pattern.CASE_INSENSITIVE);

    private static long parseSize(Map<String, String> env, String name, long fallback) {
        String v = value(env, name, null);
        if (v == null) {
            return fallback;
        }
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException(name + " must be a size in bytes, or with k, m or g, got '" + v + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            default -> n;
        };
    }
}
