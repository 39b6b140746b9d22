package dev.roost.cli.node;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.CliException;
import dev.roost.cli.ExitCodes;
import dev.roost.cli.client.ProblemException;
import dev.roost.sandbox.SandboxAvailability;
import dev.roost.sandbox.bubblewrap.BubblewrapSandbox;
import dev.roost.sandbox.bubblewrap.BubblewrapSettings;
import dev.roost.sandbox.egress.EgressNetwork;
import dev.roost.sandbox.egress.EgressProxy;
import dev.roost.sandbox.egress.EgressSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A worker node: joins (or resumes from its state directory), heartbeats at the interval the
 * server asks for, and, when it has a usable sandbox, runs tasks with a {@link TaskWorker}. A
 * node without a usable sandbox reports none, so the server gives it no tasks: it never runs a
 * task unsandboxed. The egress proxy (one per node) is made once the first config names the
 * model gateway. The heartbeat loop is confined to the thread that calls {@link #run}.
 */
public final class NodeAgent {
    /**
     * How this node runs tasks: whether at all, the sandbox's settings, and the egress proxy's
     * settings and network (tests substitute a network that reaches their loopback servers).
     */
    public record TaskOptions(boolean enabled, BubblewrapSettings sandbox, EgressSettings egress, EgressNetwork network) {
        public static TaskOptions disabled() {
            return new TaskOptions(false, null, null, null);
        }

        /**
         * From the environment ({@code ROOST_SANDBOX_*}, {@code ROOST_EGRESS_*}). Jobs' working directories go under
         * {@code ROOST_NODE_WORK_DIR}, by default a directory of this node's own in the system's temporary directory:
         * the job user (nobody) must be able to pass through every parent, which a home directory (0700) does not allow.
         */
        public static TaskOptions fromEnvironment(Map<String, String> env, Path stateDir) {
            String given = env.get("ROOST_NODE_WORK_DIR");
            Path workRoot = given != null && !given.isBlank() ? Path.of(given).toAbsolutePath()
                    : Path.of(System.getProperty("java.io.tmpdir"), "roost-node-" + Integer.toHexString(
                            stateDir.toAbsolutePath().normalize().toString().hashCode()));
            return new TaskOptions(true, BubblewrapSettings.fromEnvironment(env, workRoot),
                    EgressSettings.fromEnvironment(env), EgressNetwork.SYSTEM);
        }
    }

    private final NodeLink link;
    private final NodeStateFile state;
    private final MachineFacts facts;
    private final PrintStream log;
    private final TaskOptions tasks;
    private Duration heartbeatInterval = Duration.ofSeconds(10);
    private SandboxAvailability availability;
    private TaskWorker worker;
    private EgressProxy proxy;
    private dev.roost.runtime.sandbox.SandboxRuntimeSettings jailSettings;
    private volatile JailWorker jails;
    private volatile boolean stopped;

    public NodeAgent(String server, Path stateDir, PrintStream log, Clock clock) {
        this(server, stateDir, log, clock, TaskOptions.disabled());
    }

    public NodeAgent(String server, Path stateDir, PrintStream log, Clock clock, TaskOptions tasks) {
        this.state = new NodeStateFile(requireNonNull(stateDir, "stateDir is null"));
        this.link = new NodeLink(requireNonNull(server, "server is null"), state, requireNonNull(clock, "clock is null"));
        this.facts = new MachineFacts(stateDir);
        this.log = requireNonNull(log, "log is null");
        this.tasks = requireNonNull(tasks, "tasks is null");
    }

    /**
     * Also runs the sandboxed instances the server places on this node, in bubblewrap jails with
     * these settings (call before {@link #run}).
     */
    public NodeAgent withJails(dev.roost.runtime.sandbox.SandboxRuntimeSettings settings) {
        this.jailSettings = requireNonNull(settings, "settings is null");
        return this;
    }

    /**
     * Jail settings for a node whose state directory is {@code stateDir}: images from
     * {@code ROOST_SANDBOX_IMAGES} (else the defaults for the state directory), jail state and
     * secrets always of this node's own (never a server's, whose jails it would take for orphans),
     * the other {@code ROOST_SANDBOX_*} knobs from the environment.
     */
    public static dev.roost.runtime.sandbox.SandboxRuntimeSettings jailSettings(Map<String, String> env, Path stateDir) {
        var own = dev.roost.runtime.sandbox.SandboxRuntimeSettings.defaults(stateDir.resolve("jails"));
        var knobs = dev.roost.runtime.sandbox.SandboxRuntimeSettings.fromEnvironment(env, stateDir.resolve("jails"));
        return new dev.roost.runtime.sandbox.SandboxRuntimeSettings(knobs.images(), own.stateRoot(), own.secretRoot(), knobs.bubblewrap(),
                knobs.jailUid(), knobs.jailGid(), knobs.cgroupParent(), knobs.logBytes(), knobs.stopGrace(), knobs.defaultMemoryBytes());
    }

    /** The worker running this node's sandboxed instances, once started. */
    public java.util.Optional<JailWorker> jails() {
        return java.util.Optional.ofNullable(jails);
    }

    /** Stops the heartbeat loop after the current beat (from another thread). */
    public void stop() {
        stopped = true;
    }

    /**
     * Joins with {@code joinToken} (or, when null, resumes the saved identity) and heartbeats
     * {@code maxHeartbeats} times or until interrupted or stopped. Returns the exit code.
     */
    public int run(String joinToken, String requestedName, Map<String, String> labels, long maxHeartbeats) {
        String server = link.server();
        Map<String, Object> capabilities = capabilities(labels);
        var saved = state.load();
        if (joinToken != null) {
            if (saved.isPresent()) {
                log.println("This machine was joined before as node " + saved.get().name() + "; joining again as a new node.");
            }
            String chosen = requestedName != null ? requestedName : MachineFacts.defaultName();
            link.join(joinToken, chosen, capabilities);
            log.println("Joined " + server + " as node " + link.name() + " (id " + link.nodeId() + "); identity saved in "
                    + state.path());
        } else if (saved.isPresent()) {
            if (!server.equals(saved.get().server())) {
                throw new CliException(ExitCodes.USAGE, "The saved node identity belongs to " + saved.get().server()
                        + ", not " + server + ". Join with a token to join this server.");
            }
            link.resume();
            log.println("Resumed node " + link.name() + " (id " + link.nodeId() + ") at " + server);
        } else {
            throw new CliException(ExitCodes.USAGE, "No join token. Pass --token, set ROOST_JOIN_TOKEN, or use --token-stdin "
                    + "(create one with: roost node token create --ttl 1h).");
        }
        heartbeatInterval = Duration.ofSeconds(link.heartbeatIntervalSeconds());
        try {
            return heartbeats(labels, capabilities, maxHeartbeats);
        } finally {
            if (worker != null) {
                worker.close();
            }
            if (jails != null) {
                jails.close();
            }
            if (proxy != null) {
                proxy.close();
            }
        }
    }

    private int heartbeats(Map<String, String> labels, Map<String, Object> capabilities, long maxHeartbeats) {
        Map<String, Object> reported = capabilities;
        long appliedVersion = 0;
        boolean sendCapabilities = false;
        String lastState = null;
        boolean firstBeat = true;
        for (long beat = 0; beat < maxHeartbeats && !stopped; beat++) {
            if (beat > 0 && !sleep(heartbeatInterval)) {
                break;
            }
            Map<String, Object> current = beat == 0 ? capabilities : capabilities(labels);
            if (!current.equals(reported)) {
                sendCapabilities = true;
                reported = current;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("load", facts.load(worker == null ? 0 : worker.runningCount()));
            body.put("appliedConfigVersion", appliedVersion);
            if (sendCapabilities) {
                body.put("capabilities", current);
            }
            JsonNode answer;
            try {
                answer = link.post("/api/v1/nodes/self/heartbeat", body, Duration.ofSeconds(30));
            } catch (CliException e) {
                if (e.exitCode() != ExitCodes.UNREACHABLE) {
                    throw e;
                }
                log.println("Heartbeat failed: " + e.getMessage() + "; trying again in " + heartbeatInterval.toSeconds() + " s");
                continue;
            } catch (ProblemException e) {
                log.println("Heartbeat refused: " + e.code() + ": " + e.problem().detail());
                continue;
            }
            sendCapabilities = false;
            long version = answer.path("configVersion").asLong();
            boolean firstConfig = firstBeat;
            if (firstBeat) {
                firstBeat = false;
                startTasks(answer.path("config"));
                startJails();
            }
            if (version != appliedVersion) {
                appliedVersion = version;
                if (worker != null) {
                    worker.configure(answer.path("config"));
                }
                if (proxy != null && !firstConfig) {
                    repointGateway(answer.path("config"));
                }
                log.println("Applied node config version " + version + ": " + answer.path("config"));
            }
            String stateNow = answer.path("state").asString() + "/" + answer.path("scheduling").asString();
            if (!stateNow.equals(lastState)) {
                log.println("Node " + link.name() + " is " + stateNow.replace("/", ", "));
                lastState = stateNow;
            }
            long seconds = answer.path("heartbeatIntervalSeconds").asLong(10);
            heartbeatInterval = Duration.ofSeconds(Math.max(1, seconds));
        }
        return ExitCodes.OK;
    }

    /** Capabilities with the sandboxes this node can really use (a probe, not just a binary on the PATH). */
    private Map<String, Object> capabilities(Map<String, String> labels) {
        Map<String, Object> caps = new LinkedHashMap<>(facts.capabilities(labels));
        if (tasks.enabled()) {
            if (availability == null) {
                // A probe only: no jails kept waiting for it.
                availability = new BubblewrapSandbox(tasks.sandbox().withWarmJails(0)).probe();
                if (availability.usable()) {
                    log.println("Sandbox: " + availability.summary());
                } else {
                    log.println("SANDBOX_UNAVAILABLE: " + availability.summary()
                            + ". This node runs no tasks until that is fixed (it never runs one unsandboxed).");
                }
            }
            List<Map<String, Object>> sandboxes = new ArrayList<>();
            if (availability.usable()) {
                sandboxes.add(Map.of("kind", "bubblewrap", "version",
                        availability.version().orElse("unknown").replaceFirst("^bubblewrap\\s*", "")));
            }
            caps.put("sandboxes", sandboxes);
        } else {
            caps.put("sandboxes", List.of());
        }
        return caps;
    }

    private void startTasks(JsonNode config) {
        if (!tasks.enabled() || availability == null || !availability.usable()) {
            return;
        }
        EgressSettings egress = tasks.egress();
        String gateway = config.path("gatewayUrl").asString(null);
        if (gateway != null && !gateway.isBlank()) {
            try {
                egress = egress.withGateway(EgressSettings.HostPort.parse(gateway));
            } catch (IllegalArgumentException e) {
                log.println("The node config's gatewayUrl cannot be used by the egress proxy: " + e.getMessage());
            }
        }
        try {
            proxy = new EgressProxy(egress, tasks.network());
        } catch (RuntimeException e) {
            log.println("The egress proxy could not start (" + e.getMessage() + "); tasks with egressAllow will fail");
            proxy = null;
        }
        BubblewrapSandbox sandbox = proxy == null ? new BubblewrapSandbox(tasks.sandbox())
                : new BubblewrapSandbox(tasks.sandbox(), proxy);
        sandbox.probe(); // sets up the waiting jails now, so even the first task starts warm
        worker = new TaskWorker(link, sandbox, TaskWorker.Settings.of(config), log);
        worker.start();
        log.println("Running tasks: up to " + TaskWorker.Settings.of(config).concurrency() + " at once"
                + (proxy == null ? "" : ", egress through this node's proxy"
                + (egress.gateway().isPresent() ? " (gateway " + egress.gateway().get() + ")" : "")));
    }

    private void startJails() {
        if (jailSettings == null) {
            return;
        }
        JailWorker started = new JailWorker(link, new dev.roost.runtime.sandbox.SandboxRuntime(jailSettings), log);
        started.start();
        jails = started;
    }

    /** A new config's gatewayUrl (or, without one, the environment's) for the running egress proxy: no restart needed. */
    private void repointGateway(JsonNode config) {
        java.util.Optional<EgressSettings.HostPort> gateway = tasks.egress().gateway();
        String url = config.path("gatewayUrl").asString(null);
        if (url != null && !url.isBlank()) {
            try {
                gateway = java.util.Optional.of(EgressSettings.HostPort.parse(url));
            } catch (IllegalArgumentException e) {
                log.println("The node config's gatewayUrl cannot be used by the egress proxy: " + e.getMessage()
                        + "; it keeps the gateway it has");
                return;
            }
        }
        if (!gateway.equals(proxy.settings().gateway())) {
            proxy.useGateway(gateway);
            log.println("Egress proxy: the model gateway is now " + gateway.map(Object::toString).orElse("none"));
        }
    }

    private static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
