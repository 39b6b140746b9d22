package dev.roost.runtime.docker;

import static java.util.Objects.requireNonNull;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Health;
import dev.roost.core.manifest.Volume;
import dev.roost.core.secret.SecretValue;
import dev.roost.runtime.LogRequest;
import dev.roost.runtime.LogStream;
import dev.roost.runtime.ProbeResult;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.runtime.SecretSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs instances as Docker containers, through the daemon's API (docker-java).
 *
 * <p>Every container gets: the CPU, memory (no swap) and PID limits of its workload; a non-root
 * user ({@link DockerSettings#user()}); a read-only root filesystem with a bounded tmpfs at
 * {@code /tmp}; its volumes as named Docker volumes labelled with the instance; all
 * capabilities dropped and {@code no-new-privileges}; no published ports; restart policy
 * {@code no} (Roost's reconciler restarts, not Docker); a bounded json-file log; and a
 * deterministic name, {@code roost-<instance>-v<version>-r<replica>}, with labels that say
 * whose it is and what Roost set ({@link ContainerLabels}).
 *
 * <p><b>Network.</b> Egress NONE (without inbound) means network mode {@code none}: loopback
 * only. Egress GATEWAY_ONLY and RESTRICTED (whose allow-list needs an egress proxy that does
 * not exist yet, so it is treated as GATEWAY_ONLY) put the container on an internal network of
 * its instance's own, cut from {@link DockerSettings#subnetPool()}, with the host name
 * {@code gateway.roost.internal} pointing at the network's gateway address and
 * {@code ROOST_GATEWAY_URL=http://gateway.roost.internal:<gateway port>}. Egress NONE with
 * inbound WEBHOOK puts it on an inbound-only network of its own: Roost's server can connect to
 * it ({@link #endpoint}), it can only answer. {@link HostFirewall} enforces all of this with
 * iptables; see there for what happens without it.
 *
 * <p><b>Secrets</b> are resolved at create time and closed right after: environment secrets go
 * into the container's environment (so anyone with access to the Docker socket can read them
 * with {@code docker inspect}, as with any container environment); file secrets are written to
 * a tmpfs on the host and bind-mounted read-only ({@link SecretFiles}). Values are never logged
 * and never put in labels, names or messages.
 *
 * <p>Thread-safe. Network creation and removal are serialised by one lock so concurrent creates
 * of one instance share one network.
 */
public final class DockerRuntime implements Runtime {
    private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);

    /** The host name containers with gateway egress reach Roost's gateway at. */
    public static final String GATEWAY_HOST = "gateway.roost.internal";
    /** The environment variable that tells a container where the gateway is. */
    public static final String GATEWAY_URL_ENV = "ROOST_GATEWAY_URL";

    private static final int INSPECT_CONCURRENCY = 8;
    private static final int MAX_PROBE_OUTPUT = 4096;

    private final DockerSettings settings;
    private final DockerClient docker;
    private final DockerClient streams;
    private final SecretFiles secretFiles;
    private final HostFirewall firewall;
    private final SubnetPool subnets;
    private final Object networkLock = new Object();
    private final ExecutorService inspectors = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore inspectPermits = new Semaphore(INSPECT_CONCURRENCY);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private DockerRuntime(DockerSettings settings) {
        this.settings = settings;
        this.docker = client(settings, settings.stopGrace().plusSeconds(60));
        this.streams = client(settings, null);
        this.secretFiles = new SecretFiles(settings.secretDirectory(), settings.user());
        this.firewall = new HostFirewall(settings.gatewayPort());
        this.subnets = SubnetPool.parse(settings.subnetPool(), settings.subnetPrefix());
    }

    /**
     * A runtime talking to the daemon at {@code settings.host()}. Does not contact the daemon:
     * calls fail with {@link RuntimeFailure.Kind#UNAVAILABLE} while it does not answer. Use
     * {@link #probeDaemon} first to choose a runtime.
     */
    public static DockerRuntime connect(DockerSettings settings) {
        return new DockerRuntime(requireNonNull(settings, "settings is null"));
    }

    private static DockerClient client(DockerSettings settings, Duration responseTimeout) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(settings.host()).build();
        ApacheDockerHttpClient.Builder http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(5));
        if (responseTimeout != null) {
            http.responseTimeout(responseTimeout);
        }
        return DockerClientImpl.getInstance(config, http.build());
    }

    /** Whether a Docker daemon answers, and a sentence for people: its version, or what to do. */
    public record DaemonStatus(boolean answers, String detail) {
        public DaemonStatus {
            requireNonNull(detail, "detail is null");
        }
    }

    /** Asks the daemon at {@code settings.host()} for its version, waiting a few seconds at most. */
    public static DaemonStatus probeDaemon(DockerSettings settings) {
        try (DockerClient client = client(settings, Duration.ofSeconds(5))) {
            Version version = client.versionCmd().exec();
            return new DaemonStatus(true, "Docker " + version.getVersion() + " (API " + version.getApiVersion() + ") at "
                    + settings.host());
        } catch (IOException | RuntimeException e) {
            return new DaemonStatus(false, "no Docker daemon answers at " + settings.host() + " (" + reason(e) + "). "
                    + "Install Docker (Debian: apt-get install docker.io) and start it (systemctl start docker, "
                    + "or: dockerd --iptables=false --bridge=none &), or point DOCKER_HOST at a running daemon.");
        }
    }

    public DockerSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return "docker";
    }

    // ---- observe ------------------------------------------------------------------------

    @Override
    public List<ObservedContainer> observe() {
        return observe(ContainerLabels.base(settings));
    }

    @Override
    public List<ObservedContainer> observe(UUID instanceId) {
        return observe(ContainerLabels.forInstance(settings, requireNonNull(instanceId, "instanceId is null")));
    }

    private List<ObservedContainer> observe(Map<String, String> filter) {
        List<Container> listed = call("list containers", () ->
                docker.listContainersCmd().withShowAll(true).withLabelFilter(filter).exec());
        List<Future<Optional<ObservedContainer>>> inspections = new ArrayList<>();
        for (Container c : listed) {
            inspections.add(inspectors.submit(() -> {
                inspectPermits.acquire();
                try {
                    return inspect(c.getId()).flatMap(this::observed);
                } finally {
                    inspectPermits.release();
                }
            }));
        }
        List<ObservedContainer> observed = new ArrayList<>();
        for (Future<Optional<ObservedContainer>> f : inspections) {
            try {
                f.get().ifPresent(observed::add);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "interrupted while observing containers");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeFailure failure ? failure
                        : translate("inspect a container", e.getCause());
            }
        }
        observed.sort(Comparator.comparing(ObservedContainer::containerId));
        return observed;
    }

    /** The container, or empty when it does not exist (any more). */
    private Optional<InspectContainerResponse> inspect(String containerId) {
        try {
            return Optional.of(call("inspect container " + shortId(containerId),
                    () -> docker.inspectContainerCmd(containerId).exec()));
        } catch (RuntimeFailure e) {
            if (e.kind() == RuntimeFailure.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private Optional<ObservedContainer> observed(InspectContainerResponse c) {
        Map<String, String> labels = labels(c);
        Optional<UUID> instanceId = ContainerLabels.instanceId(labels);
        Optional<Long> version = ContainerLabels.number(labels, ContainerLabels.VERSION);
        Optional<Long> replica = ContainerLabels.number(labels, ContainerLabels.REPLICA);
        if (instanceId.isEmpty() || version.isEmpty() || replica.isEmpty() || labels.get(ContainerLabels.SPEC_HASH) == null) {
            if (warned.add(c.getId())) {
                log.warn("container {} ({}) is labelled {} but lacks Roost's other labels; ignored",
                        shortId(c.getId()), c.getName(), ContainerLabels.MANAGED);
            }
            return Optional.empty();
        }
        InspectContainerResponse.ContainerState s = c.getState();
        ObservedContainer.State state = state(s.getStatus());
        Optional<Integer> exitCode = state == ObservedContainer.State.EXITED || state == ObservedContainer.State.DEAD
                ? Optional.ofNullable(s.getExitCodeLong()).map(Long::intValue) : Optional.empty();
        return Optional.of(new ObservedContainer(
                c.getId(),
                instanceId.get(),
                labels.getOrDefault(ContainerLabels.WORKSPACE, ""),
                labels.getOrDefault(ContainerLabels.INSTANCE, ""),
                version.get().intValue(),
                replica.get().intValue(),
                labels.get(ContainerLabels.SPEC_HASH),
                c.getConfig() == null || c.getConfig().getImage() == null ? "" : c.getConfig().getImage(),
                state,
                exitCode,
                Boolean.TRUE.equals(s.getOOMKilled()),
                c.getRestartCount() == null ? 0 : c.getRestartCount(),
                time(s.getStartedAt()),
                state == ObservedContainer.State.RUNNING ? Optional.empty() : time(s.getFinishedAt()),
                DriftCheck.of(c, labels)));
    }

    private static ObservedContainer.State state(String status) {
        return switch (status == null ? "" : status) {
            case "created" -> ObservedContainer.State.CREATED;
            case "running" -> ObservedContainer.State.RUNNING;
            case "restarting" -> ObservedContainer.State.RESTARTING;
            case "paused" -> ObservedContainer.State.PAUSED;
            case "exited" -> ObservedContainer.State.EXITED;
            default -> ObservedContainer.State.DEAD; // "removing", "dead"
        };
    }

    private static Optional<Instant> time(String value) {
        if (value == null || value.isEmpty() || value.startsWith("0001-")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Map<String, String> labels(InspectContainerResponse c) {
        return c.getConfig() == null || c.getConfig().getLabels() == null ? Map.of() : c.getConfig().getLabels();
    }

    // ---- apply --------------------------------------------------------------------------

    @Override
    public Optional<String> apply(RuntimeAction action, SecretSource secrets) {
        requireNonNull(action, "action is null");
        requireNonNull(secrets, "secrets is null");
        return switch (action) {
            case RuntimeAction.EnsureImage ensure -> {
                ensureImage(ensure);
                yield Optional.empty();
            }
            case RuntimeAction.CreateContainer create -> Optional.of(create(create, secrets));
            case RuntimeAction.StartContainer start -> Optional.of(start(start.instanceId(), start.containerId()));
            case RuntimeAction.StopContainer stop -> Optional.of(stop(stop.instanceId(), stop.containerId()));
            case RuntimeAction.RemoveContainer remove -> {
                remove(remove.instanceId(), remove.containerId());
                yield Optional.of(remove.containerId());
            }
            case RuntimeAction.RemoveVolumes remove -> {
                removeVolumes(remove.instanceId());
                yield Optional.empty();
            }
        };
    }

    // ---- images -------------------------------------------------------------------------

    private void ensureImage(RuntimeAction.EnsureImage ensure) {
        String image = ensure.image();
        switch (ensure.pullPolicy()) {
            case NEVER -> {
                if (!imagePresent(image)) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + image
                            + " is not on the Docker host and the pull policy is Never: load it there (docker load or docker pull) "
                            + "or change the pull policy");
                }
            }
            case IF_NOT_PRESENT -> {
                if (!imagePresent(image)) {
                    pull(image);
                }
            }
            case ALWAYS -> pull(image);
        }
    }

    private boolean imagePresent(String image) {
        try {
            call("inspect image " + image, () -> docker.inspectImageCmd(image).exec());
            return true;
        } catch (RuntimeFailure e) {
            if (e.kind() == RuntimeFailure.Kind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private void pull(String image) {
        String repository = image;
        String tag = "latest";
        int at = image.indexOf('@');
        int colon = image.lastIndexOf(':');
        if (at > 0) {
            repository = image.substring(0, at);
            tag = image.substring(at + 1);
        } else if (colon > image.lastIndexOf('/')) {
            repository = image.substring(0, colon);
            tag = image.substring(colon + 1);
        }
        PullCallback callback = new PullCallback();
        try {
            String repo = repository;
            String t = tag;
            run("pull image " + image, () -> streams.pullImageCmd(repo).withTag(t).exec(callback));
            if (!callback.awaitCompletion(settings.pullTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + image + " could not be pulled within "
                        + settings.pullTimeout().toSeconds() + " s; check that its registry is reachable from the Docker host");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "pulling image " + image + " was interrupted");
        } catch (RuntimeFailure e) {
            if (e.kind() == RuntimeFailure.Kind.UNAVAILABLE) {
                throw e;
            }
            throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + image + " could not be pulled: " + e.getMessage());
        } finally {
            closeQuietly(callback);
        }
        if (callback.failure != null) {
            throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + image + " could not be pulled: " + callback.failure);
        }
        if (!imagePresent(image)) {
            throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + image + " is still missing after a pull");
        }
    }

    /** Collects a pull's outcome without docker-java's error log line (a failed pull is an answer, not an accident). */
    private static final class PullCallback extends ResultCallback.Adapter<PullResponseItem> {
        volatile String failure;

        @Override
        public void onNext(PullResponseItem item) {
            if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
                failure = item.getErrorDetail().getMessage();
            } else if (item.getError() != null) {
                failure = item.getError();
            }
        }

        @Override
        public void onError(Throwable throwable) {
            if (failure == null) {
                failure = reason(throwable);
            }
            closeQuietly(this);
        }
    }

    // ---- create -------------------------------------------------------------------------

    private String create(RuntimeAction.CreateContainer create, SecretSource secrets) {
        WorkloadSpec spec = create.spec();
        String name = ContainerLabels.containerName(spec, create.replica());
        Optional<InspectContainerResponse> existing = inspect(name);
        if (existing.isPresent()) {
            return reuse(existing.get(), spec, name);
        }
        Optional<InstanceNetwork> network = InstanceNetwork.of(spec.instanceId(), spec.network());
        checkCreatable(spec, network);
        if (!imagePresent(spec.image())) {
            throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + spec.image()
                    + " is not on the Docker host; ensure the image (per its pull policy) before creating containers");
        }

        Map<String, SecretValue> values = spec.secretNames().isEmpty() ? Map.of() : secrets.resolve(spec.secretNames());
        List<String> env = new ArrayList<>();
        List<Mount> mounts = new ArrayList<>();
        try {
            spec.env().forEach((key, value) -> env.add(key + "=" + value));
            for (Map.Entry<String, String> entry : spec.secretEnv().entrySet()) {
                SecretValue value = values.get(entry.getValue());
                if (value == null) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "secret " + entry.getValue() + " was not resolved");
                }
                if (!value.isText()) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "secret " + entry.getValue()
                            + " is binary and cannot go into environment variable " + entry.getKey() + "; mount it as a file instead");
                }
                char[] chars = value.chars();
                try {
                    env.add(entry.getKey() + "=" + new String(chars));
                } finally {
                    Arrays.fill(chars, '\0');
                }
            }
            for (SecretFiles.Mount file : secretFiles.write(name, spec.secretFiles(), values)) {
                mounts.add(new Mount().withType(MountType.BIND).withSource(file.source().toString()).withTarget(file.target())
                        .withReadOnly(true));
            }
        } finally {
            values.values().forEach(SecretValue::close);
        }

        try {
            for (Volume volume : spec.volumes()) {
                String volumeName = ensureVolume(spec.instanceId(), volume);
                mounts.add(new Mount().withType(MountType.VOLUME).withSource(volumeName).withTarget(volume.mountPath()));
            }
            Optional<String> gateway = network.map(this::ensureNetwork);
            if (network.isPresent() && network.get().kind() == InstanceNetwork.Kind.GATEWAY
                    && !spec.env().containsKey(GATEWAY_URL_ENV)) {
                env.add(GATEWAY_URL_ENV + "=" + gatewayBaseUrl());
            }
            HostConfig host = HostConfig.newHostConfig()
                    .withPidsLimit(spec.pidsLimit())
                    .withReadonlyRootfs(true)
                    .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=" + settings.tmpSizeBytes()))
                    .withMounts(mounts)
                    .withCapDrop(Capability.ALL)
                    .withSecurityOpts(List.of("no-new-privileges"))
                    .withPrivileged(false)
                    .withPublishAllPorts(false)
                    .withRestartPolicy(RestartPolicy.noRestart())
                    .withNetworkMode(network.map(InstanceNetwork::name).orElse(ContainerLabels.NO_NETWORK))
                    .withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE, Map.of("max-size", "10m", "max-file", "3")));
            spec.memoryBytes().ifPresent(memory -> host.withMemory(memory).withMemorySwap(memory));
            spec.cpuMillis().ifPresent(millis -> host.withNanoCPUs(millis * 1_000_000L));
            gateway.filter(g -> network.get().kind() == InstanceNetwork.Kind.GATEWAY)
                    .ifPresent(g -> host.withExtraHosts(GATEWAY_HOST + ":" + g));

            CreateContainerCmd cmd = docker.createContainerCmd(spec.image())
                    .withName(name)
                    .withLabels(labels(spec, create.replica(), network))
                    .withUser(settings.user())
                    .withEnv(env)
                    .withTty(false)
                    .withAttachStdin(false)
                    .withStdinOpen(false)
                    .withHostConfig(host);
            if (!spec.command().isEmpty()) {
                cmd.withCmd(spec.command());
            }
            String id;
            try {
                id = call("create container " + name, cmd::exec).getId();
            } catch (RuntimeFailure e) {
                // Another create of the same replica won the race: take its container.
                Optional<InspectContainerResponse> raced = inspect(name);
                if (raced.isPresent()) {
                    return reuse(raced.get(), spec, name);
                }
                if (e.getCause() instanceof com.github.dockerjava.api.exception.BadRequestException) {
                    // e.g. a memory limit below Docker's minimum, a mount path that is not absolute
                    throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, e.getMessage(), e);
                }
                throw e;
            }
            log.info("created container {} ({}) for instance {}", name, shortId(id), spec.instanceId());
            startExisting(id, name);
            return id;
        } catch (RuntimeException e) {
            if (inspect(name).isEmpty()) {
                secretFiles.remove(name);
            }
            throw e;
        } finally {
            env.clear();
        }
    }

    /** Containers with egress GATEWAY_ONLY or RESTRICTED reach the gateway at {@code gateway.roost.internal}. */
    @Override
    public Optional<String> gatewayUrl(WorkloadSpec spec) {
        return InstanceNetwork.of(spec.instanceId(), spec.network())
                .filter(n -> n.kind() == InstanceNetwork.Kind.GATEWAY).map(n -> gatewayBaseUrl());
    }

    private String gatewayBaseUrl() {
        return "http://" + GATEWAY_HOST + ":" + settings.gatewayPort();
    }

    /** Fails before anything is made when the workload cannot run safely or at all here. */
    private void checkCreatable(WorkloadSpec spec, Optional<InstanceNetwork> network) {
        if (!spec.secretFiles().isEmpty() && !settings.localDaemon()) {
            throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "secret files need a Docker daemon on this machine "
                    + "(they are bind-mounted from " + settings.secretDirectory() + "), but the daemon is at " + settings.host());
        }
        if (network.isEmpty()) {
            return;
        }
        if (spec.network().egress() == dev.roost.core.manifest.Network.Egress.RESTRICTED && warned.add("restricted")) {
            log.warn("egress RESTRICTED is enforced as GATEWAY_ONLY for now: its allow-list needs an egress proxy Roost does not have yet");
        }
        boolean guarded = firewallUsable();
        if (network.get().kind() == InstanceNetwork.Kind.INBOUND_ONLY && !guarded) {
            throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "egress NONE with inbound WEBHOOK needs Roost's host "
                    + "firewall (iptables, as root, with a local daemon) to keep the container from opening connections; "
                    + "it is not available here. Use egress GATEWAY_ONLY, or run Roost as root with iptables installed");
        }
        if (!guarded && settings.firewall() == DockerSettings.Firewall.REQUIRED) {
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "the host firewall is required (ROOST_DOCKER_FIREWALL=required) "
                    + "but iptables cannot be used here: install iptables and run Roost as root, with a local Docker daemon");
        }
        if (!guarded && warned.add("firewall")) {
            log.warn("Roost's host firewall is not active ({}): containers with network access can reach every port of the "
                    + "Docker host and containers of other instances. Install iptables and run Roost as root to restrict them "
                    + "to the gateway port", settings.firewall() == DockerSettings.Firewall.OFF ? "switched off"
                    : "iptables is not usable or the daemon is not local");
        }
    }

    private boolean firewallUsable() {
        return settings.firewall() != DockerSettings.Firewall.OFF && settings.localDaemon() && firewall.available();
    }

    /** Whether Roost's iptables rules are in place (they are installed with the first instance network). */
    public boolean firewallActive() {
        return firewall.installed();
    }

    private String reuse(InspectContainerResponse existing, WorkloadSpec spec, String name) {
        Map<String, String> labels = labels(existing);
        if (!"true".equals(labels.get(ContainerLabels.MANAGED))
                || !spec.instanceId().toString().equals(labels.get(ContainerLabels.INSTANCE_ID))) {
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "a container named " + name
                    + " exists but was not made by Roost for this instance; remove or rename it");
        }
        if (!spec.specHash().equals(labels.get(ContainerLabels.SPEC_HASH))) {
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "container " + name
                    + " exists with another spec; remove it so it can be created again");
        }
        if (!Boolean.TRUE.equals(existing.getState().getRunning())) {
            startExisting(existing.getId(), name);
        }
        return existing.getId();
    }

    private void startExisting(String id, String name) {
        if ("true".equals(inspect(id).map(DockerRuntime::labels).orElse(Map.of()).get(ContainerLabels.SECRET_FILES))
                && !secretFiles.present(name)) {
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "the secret files of container " + name
                    + " are gone (the host restarted?); remove the container so it is created with them again");
        }
        try {
            run("start container " + name, () -> docker.startContainerCmd(id).exec());
        } catch (RuntimeFailure e) {
            if (!(e.getCause() instanceof NotModifiedException)) {
                throw e;
            }
        }
    }

    private Map<String, String> labels(WorkloadSpec spec, int replica, Optional<InstanceNetwork> network) {
        Map<String, String> labels = new LinkedHashMap<>(ContainerLabels.forInstance(settings, spec.instanceId()));
        labels.put(ContainerLabels.WORKSPACE, spec.workspace());
        labels.put(ContainerLabels.INSTANCE, spec.instance());
        labels.put(ContainerLabels.VERSION, Integer.toString(spec.version()));
        labels.put(ContainerLabels.REPLICA, Integer.toString(replica));
        labels.put(ContainerLabels.SPEC_HASH, spec.specHash());
        labels.put(ContainerLabels.EXPECT_MEMORY, Long.toString(spec.memoryBytes().orElse(0)));
        labels.put(ContainerLabels.EXPECT_NANO_CPUS, Long.toString(spec.cpuMillis().orElse(0) * 1_000_000L));
        labels.put(ContainerLabels.EXPECT_PIDS, Long.toString(spec.pidsLimit()));
        labels.put(ContainerLabels.EXPECT_NETWORK, network.map(InstanceNetwork::name).orElse(ContainerLabels.NO_NETWORK));
        labels.put(ContainerLabels.EXPECT_USER, settings.user());
        labels.put(ContainerLabels.SECRET_FILES, Boolean.toString(!spec.secretFiles().isEmpty()));
        return labels;
    }

    private String ensureVolume(UUID instanceId, Volume volume) {
        String name = ContainerLabels.volumeName(instanceId, volume.name());
        Map<String, String> labels = new LinkedHashMap<>(ContainerLabels.forInstance(settings, instanceId));
        labels.put(ContainerLabels.VOLUME, volume.name());
        // Creating a volume that exists returns the existing one.
        var created = call("create volume " + name, () -> docker.createVolumeCmd().withName(name).withLabels(labels).exec());
        handToContainerUser(name, created.getMountpoint());
        return name;
    }

    /**
     * A new local volume's directory belongs to root, so the (non-root) container user could not
     * write to it. With the daemon on this machine, its top directory is given to the container
     * user once, while it still belongs to root; contents are never touched.
     */
    private void handToContainerUser(String volume, String mountpoint) {
        if (!settings.localDaemon() || mountpoint == null || mountpoint.isEmpty()) {
            return;
        }
        java.nio.file.Path dir = java.nio.file.Path.of(mountpoint);
        String[] ids = settings.user().split(":");
        try {
            if (java.nio.file.Files.isDirectory(dir) && ((Integer) java.nio.file.Files.getAttribute(dir, "unix:uid")) == 0) {
                java.nio.file.Files.setAttribute(dir, "unix:uid", Integer.parseInt(ids[0]));
                java.nio.file.Files.setAttribute(dir, "unix:gid", Integer.parseInt(ids[1]));
                java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException | RuntimeException e) {
            if (warned.add("volume-owner")) {
                log.warn("could not hand volume {} to the container user {} ({}); the container can read it but not write to it "
                        + "unless its image prepares the mount path. Run Roost as root on the Docker host to fix this",
                        volume, settings.user(), e.toString());
            }
        }
    }

    /** Creates the instance's network if needed and returns its gateway address. */
    private String ensureNetwork(InstanceNetwork network) {
        synchronized (networkLock) {
            if (firewallUsable()) {
                try {
                    firewall.install();
                } catch (IllegalStateException e) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "could not install Roost's host firewall: " + e.getMessage());
                }
            }
            Optional<Network> existing = findNetwork(network.name());
            if (existing.isPresent()) {
                return gatewayOf(existing.get());
            }
            for (int attempt = 0; attempt < 5; attempt++) {
                List<Network> all = call("list networks", () -> docker.listNetworksCmd().exec());
                List<String> used = new ArrayList<>();
                for (Network n : all) {
                    if (n.getIpam() != null && n.getIpam().getConfig() != null) {
                        n.getIpam().getConfig().forEach(c -> {
                            if (c.getSubnet() != null) {
                                used.add(c.getSubnet());
                            }
                        });
                    }
                }
                SubnetPool.Subnet subnet = subnets.firstFree(used).orElseThrow(() -> new RuntimeFailure(RuntimeFailure.Kind.FAILED,
                        "no free subnet is left in " + settings.subnetPool() + " for another instance network; "
                                + "set ROOST_DOCKER_SUBNET_POOL to a larger range"));
                Map<String, String> labels = new LinkedHashMap<>(ContainerLabels.forInstance(settings, instanceOf(network)));
                labels.put(ContainerLabels.NETWORK_KIND, network.kind().name().toLowerCase(java.util.Locale.ROOT));
                try {
                    call("create network " + network.name(), () -> docker.createNetworkCmd()
                            .withName(network.name())
                            .withDriver("bridge")
                            .withInternal(true)
                            .withCheckDuplicate(true)
                            .withLabels(labels)
                            .withOptions(Map.of(
                                    "com.docker.network.bridge.name", network.bridge(),
                                    "com.docker.network.bridge.enable_icc", "true"))
                            .withIpam(new Network.Ipam().withConfig(
                                    new Network.Ipam.Config().withSubnet(subnet.cidr()).withGateway(subnet.gateway())))
                            .exec());
                    log.info("created network {} ({}) on bridge {}", network.name(), subnet.cidr(), network.bridge());
                    return subnet.gateway();
                } catch (RuntimeFailure e) {
                    Optional<Network> raced = findNetwork(network.name());
                    if (raced.isPresent()) {
                        return gatewayOf(raced.get());
                    }
                    if (!String.valueOf(e.getMessage()).contains("overlap")) {
                        throw e;
                    }
                    // another network took the subnet meanwhile: pick again
                }
            }
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "could not find a free subnet for network " + network.name());
        }
    }

    private static UUID instanceOf(InstanceNetwork network) {
        // roost-<uuid>-<suffix>
        return UUID.fromString(network.name().substring("roost-".length(), "roost-".length() + 36));
    }

    private Optional<Network> findNetwork(String name) {
        try {
            Network n = call("inspect network " + name, () -> docker.inspectNetworkCmd().withNetworkId(name).exec());
            // Docker matches ids by prefix too: insist on the exact name.
            return name.equals(n.getName()) ? Optional.of(n) : Optional.empty();
        } catch (RuntimeFailure e) {
            if (e.kind() == RuntimeFailure.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static String gatewayOf(Network network) {
        if (network.getIpam() != null && network.getIpam().getConfig() != null) {
            for (Network.Ipam.Config c : network.getIpam().getConfig()) {
                if (c.getGateway() != null && !c.getGateway().isEmpty()) {
                    return c.getGateway();
                }
            }
        }
        throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "network " + network.getName() + " has no gateway address");
    }

    // ---- start, stop, remove ------------------------------------------------------------

    private InspectContainerResponse owned(UUID instanceId, String containerId) {
        InspectContainerResponse c = inspect(containerId).orElseThrow(() -> new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND,
                "container " + shortId(containerId) + " does not exist"));
        Map<String, String> labels = labels(c);
        if (!"true".equals(labels.get(ContainerLabels.MANAGED)) || !instanceId.toString().equals(labels.get(ContainerLabels.INSTANCE_ID))) {
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "container " + shortId(containerId)
                    + " is not managed by Roost for instance " + instanceId + "; refusing to touch it");
        }
        return c;
    }

    private String start(UUID instanceId, String containerId) {
        InspectContainerResponse c = owned(instanceId, containerId);
        if (!Boolean.TRUE.equals(c.getState().getRunning())) {
            startExisting(c.getId(), c.getName().replaceFirst("^/", ""));
        }
        return c.getId();
    }

    private String stop(UUID instanceId, String containerId) {
        InspectContainerResponse c = owned(instanceId, containerId);
        stopQuietly(c.getId());
        return c.getId();
    }

    private void stopQuietly(String id) {
        try {
            run("stop container " + shortId(id), () -> docker.stopContainerCmd(id)
                    .withTimeout((int) Math.max(0, settings.stopGrace().toSeconds())).exec());
        } catch (RuntimeFailure e) {
            if (!(e.getCause() instanceof NotModifiedException)) { // already stopped
                throw e;
            }
        }
    }

    private void remove(UUID instanceId, String containerId) {
        Optional<InspectContainerResponse> found = inspect(containerId);
        if (found.isPresent()) {
            InspectContainerResponse c = owned(instanceId, containerId);
            String name = c.getName().replaceFirst("^/", "");
            if (Boolean.TRUE.equals(c.getState().getRunning())) {
                // A graceful stop first: the agent gets its SIGTERM and the grace period.
                try {
                    stopQuietly(c.getId());
                } catch (RuntimeFailure e) {
                    if (e.kind() != RuntimeFailure.Kind.NOT_FOUND) {
                        throw e;
                    }
                }
            }
            try {
                run("remove container " + name, () -> docker.removeContainerCmd(c.getId()).withForce(true).exec());
            } catch (RuntimeFailure e) {
                if (e.kind() != RuntimeFailure.Kind.NOT_FOUND && !String.valueOf(e.getMessage()).contains("already in progress")) {
                    throw e;
                }
            }
            secretFiles.remove(name);
            log.info("removed container {} ({}) of instance {}", name, shortId(c.getId()), instanceId);
        }
        removeUnusedNetworks(instanceId);
    }

    /** Removes the instance's networks that none of its containers (running or not) is configured for. */
    private void removeUnusedNetworks(UUID instanceId) {
        synchronized (networkLock) {
            Map<String, String> instanceFilter = ContainerLabels.forInstance(settings, instanceId);
            List<Container> containers = call("list containers", () ->
                    docker.listContainersCmd().withShowAll(true).withLabelFilter(instanceFilter).exec());
            Set<String> inUse = new HashSet<>();
            for (Container c : containers) {
                if (c.getLabels() != null && c.getLabels().get(ContainerLabels.EXPECT_NETWORK) != null) {
                    inUse.add(c.getLabels().get(ContainerLabels.EXPECT_NETWORK));
                }
                if (c.getNetworkSettings() != null && c.getNetworkSettings().getNetworks() != null) {
                    inUse.addAll(c.getNetworkSettings().getNetworks().keySet());
                }
            }
            if (containers.isEmpty()) {
                secretFiles.removeInstance(instanceId);
            }
            List<Network> networks = call("list networks", () -> docker.listNetworksCmd().withFilter("label",
                    instanceFilter.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()).exec());
            for (Network n : networks) {
                if (!inUse.contains(n.getName())) {
                    try {
                        run("remove network " + n.getName(), () -> docker.removeNetworkCmd(n.getId()).exec());
                        log.info("removed network {} of instance {}", n.getName(), instanceId);
                    } catch (RuntimeFailure e) {
                        if (e.kind() != RuntimeFailure.Kind.NOT_FOUND) {
                            log.warn("could not remove network {}: {}", n.getName(), e.getMessage());
                        }
                    }
                }
            }
            if (firewall.installed() || firewallUsable()) {
                // Any Roost network on this daemon (of any installation) still needs the rules.
                List<Network> left = call("list networks", () -> docker.listNetworksCmd()
                        .withFilter("label", List.of(ContainerLabels.MANAGED + "=true")).exec());
                if (left.isEmpty()) {
                    firewall.uninstall();
                }
            }
        }
    }

    private void removeVolumes(UUID instanceId) {
        Map<String, String> filter = ContainerLabels.forInstance(settings, instanceId);
        var volumes = call("list volumes", () -> docker.listVolumesCmd().withFilter("label",
                filter.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()).exec());
        if (volumes.getVolumes() == null) {
            return;
        }
        for (var volume : volumes.getVolumes()) {
            try {
                run("remove volume " + volume.getName(), () -> docker.removeVolumeCmd(volume.getName()).exec());
                log.info("removed volume {} of instance {}", volume.getName(), instanceId);
            } catch (RuntimeFailure e) {
                if (e.kind() == RuntimeFailure.Kind.NOT_FOUND) {
                    continue;
                }
                if (e.getCause() instanceof ConflictException) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "volume " + volume.getName()
                            + " is still used by a container; remove the instance's containers first");
                }
                throw e;
            }
        }
    }

    // ---- probes -------------------------------------------------------------------------

    private static final Pattern HTTP_STATUS = Pattern.compile("HTTP/\\d(?:\\.\\d)? (\\d{3})");

    @Override
    public ProbeResult probe(String containerId, Health.Probe probe, int containerPort, Duration timeout) {
        requireNonNull(probe, "probe is null");
        requireNonNull(timeout, "timeout is null");
        Optional<InspectContainerResponse> found = inspect(containerId);
        if (found.isEmpty()) {
            return ProbeResult.unhealthy("container is gone");
        }
        InspectContainerResponse c = found.get();
        if (!Boolean.TRUE.equals(c.getState().getRunning())) {
            return ProbeResult.unhealthy("container is not running");
        }
        return switch (probe) {
            case Health.Http h -> {
                String path = h.path().startsWith("/") ? h.path() : "/" + h.path();
                Optional<InetSocketAddress> endpoint = endpoint(c, containerPort);
                if (endpoint.isPresent()) {
                    yield httpProbe(endpoint.get(), path, timeout);
                }
                String url = "http://127.0.0.1:" + containerPort + path;
                long seconds = Math.max(1, timeout.toSeconds());
                // Debian's static busybox crashes on wget -T; prefer the timeout command where the image has one.
                String script = "if command -v timeout >/dev/null 2>&1; then exec timeout " + seconds
                        + " wget -q -O /dev/null \"$0\"; else exec wget -q -T " + seconds + " -O /dev/null \"$0\"; fi";
                ExecResult r = exec(c.getId(), List.of("sh", "-c", script, url), timeout.plusSeconds(1));
                if (r.timedOut || r.exitCode == 124 || r.exitCode == 143) {
                    yield ProbeResult.unhealthy("timeout after " + seconds + "s");
                }
                if (r.exitCode == 0) {
                    yield ProbeResult.healthy("HTTP 2xx");
                }
                Matcher m = HTTP_STATUS.matcher(r.output);
                yield ProbeResult.unhealthy(m.find() ? "HTTP " + m.group(1) : "wget exit " + r.exitCode + firstLine(r.output));
            }
            case Health.Command cmd -> {
                ExecResult r = exec(c.getId(), cmd.command(), timeout);
                if (r.timedOut) {
                    yield ProbeResult.unhealthy("timeout after " + Math.max(1, timeout.toSeconds()) + "s");
                }
                yield r.exitCode == 0 ? ProbeResult.healthy("exit 0") : ProbeResult.unhealthy("exit " + r.exitCode);
            }
        };
    }

    private ProbeResult httpProbe(InetSocketAddress address, String path, Duration timeout) {
        URI uri = URI.create("http://" + address.getHostString() + ":" + address.getPort() + path);
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            return status >= 200 && status < 400 ? ProbeResult.healthy("HTTP " + status) : ProbeResult.unhealthy("HTTP " + status);
        } catch (HttpTimeoutException e) {
            return ProbeResult.unhealthy("timeout after " + Math.max(1, timeout.toSeconds()) + "s");
        } catch (ConnectException e) {
            return ProbeResult.unhealthy("connection refused on port " + address.getPort());
        } catch (IOException e) {
            return ProbeResult.unhealthy("HTTP failed: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ProbeResult.unhealthy("interrupted");
        }
    }

    private record ExecResult(boolean timedOut, long exitCode, String output) {
    }

    /**
     * Runs {@code command} in the container as its user and waits at most {@code timeout}. A
     * command still running then keeps running inside the container (Docker cannot kill an exec);
     * the probe reports a timeout.
     */
    private ExecResult exec(String containerId, List<String> command, Duration timeout) {
        String execId = call("exec in " + shortId(containerId), () -> docker.execCreateCmd(containerId)
                .withCmd(command.toArray(String[]::new)).withAttachStdout(true).withAttachStderr(true).exec()).getId();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                synchronized (output) {
                    if (frame.getPayload() != null && output.size() < MAX_PROBE_OUTPUT) {
                        output.write(frame.getPayload(), 0, Math.min(frame.getPayload().length, MAX_PROBE_OUTPUT - output.size()));
                    }
                }
            }
        };
        try {
            call("exec in " + shortId(containerId), () -> streams.execStartCmd(execId).exec(callback));
            if (!callback.awaitCompletion(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
                return new ExecResult(true, -1, "");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ExecResult(true, -1, "");
        } finally {
            closeQuietly(callback);
        }
        // The exit code is recorded a moment after the output ends.
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (true) {
            InspectExecResponse inspect = call("inspect exec", () -> docker.inspectExecCmd(execId).exec());
            if (!Boolean.TRUE.equals(inspect.isRunning()) && inspect.getExitCodeLong() != null) {
                String text;
                synchronized (output) {
                    text = output.toString(java.nio.charset.StandardCharsets.UTF_8);
                }
                return new ExecResult(false, inspect.getExitCodeLong(), text);
            }
            if (System.nanoTime() > deadline) {
                return new ExecResult(true, -1, "");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new ExecResult(true, -1, "");
            }
        }
    }

    private static String firstLine(String output) {
        String line = output.strip().lines().findFirst().orElse("");
        return line.isEmpty() ? "" : ": " + (line.length() > 120 ? line.substring(0, 120) : line);
    }

    // ---- logs and endpoints -------------------------------------------------------------

    @Override
    public LogStream logs(String containerId, LogRequest request) {
        requireNonNull(request, "request is null");
        InspectContainerResponse c = inspect(containerId).orElseThrow(() -> new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND,
                "container " + shortId(containerId) + " does not exist"));
        DockerLogStream stream = new DockerLogStream();
        if (request.tail() == 0 && !request.follow()) {
            stream.onComplete();
            return stream;
        }
        call("read logs of " + shortId(containerId), () -> streams.logContainerCmd(c.getId())
                .withStdOut(true).withStdErr(true).withTimestamps(true)
                .withTail(request.tail())
                .withFollowStream(request.follow())
                .exec(stream));
        return stream;
    }

    @Override
    public Optional<InetSocketAddress> endpoint(String containerId, int port) {
        if (!settings.localDaemon()) {
            return Optional.empty();
        }
        return inspect(containerId).flatMap(c -> endpoint(c, port));
    }

    private Optional<InetSocketAddress> endpoint(InspectContainerResponse c, int port) {
        if (!settings.localDaemon() || !Boolean.TRUE.equals(c.getState().getRunning()) || c.getNetworkSettings() == null
                || c.getNetworkSettings().getNetworks() == null) {
            return Optional.empty();
        }
        String expected = labels(c).get(ContainerLabels.EXPECT_NETWORK);
        ContainerNetwork network = c.getNetworkSettings().getNetworks().get(expected);
        if (network == null || network.getIpAddress() == null || network.getIpAddress().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new InetSocketAddress(network.getIpAddress(), port));
    }

    @Override
    public void close() {
        inspectors.shutdownNow();
        closeQuietly(docker);
        closeQuietly(streams);
    }

    // ---- failures -----------------------------------------------------------------------

    private interface DockerCall<T> {
        T run();
    }

    private interface DockerVoidCall {
        void run();
    }

    private <T> T call(String what, DockerCall<T> call) {
        try {
            return call.run();
        } catch (RuntimeFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw translate(what, e);
        }
    }

    private void run(String what, DockerVoidCall call) {
        call(what, () -> {
            call.run();
            return null;
        });
    }

    private RuntimeFailure translate(String what, Throwable e) {
        if (e instanceof RuntimeFailure failure) {
            return failure;
        }
        if (e instanceof NotFoundException) {
            return new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "could not " + what + ": " + reason(e), e);
        }
        if (e instanceof DockerException || e instanceof DockerClientException) {
            return new RuntimeFailure(RuntimeFailure.Kind.FAILED, "could not " + what + ": " + reason(e), e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "the Docker daemon at " + settings.host()
                        + " does not answer (" + reason(t) + "); start it, or check DOCKER_HOST", e);
            }
        }
        return new RuntimeFailure(RuntimeFailure.Kind.FAILED, "could not " + what + ": " + reason(e), e);
    }

    private static final Pattern DOCKER_MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** A one-line reason from an exception: Docker's own message when it sent one. */
    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        Matcher m = DOCKER_MESSAGE.matcher(message);
        if (m.find()) {
            message = m.group(1).replace("\\\"", "\"");
        }
        message = message.strip().replaceAll("\\s+", " ");
        if (e.getCause() instanceof IOException io && io.getMessage() != null && !message.contains(io.getMessage())) {
            message = message + ": " + io.getMessage();
        }
        return message.length() > 300 ? message.substring(0, 300) + "…" : message;
    }

    private static String shortId(String id) {
        return id.length() > 12 && !id.startsWith("roost-") ? id.substring(0, 12) : id;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // nothing left to do
        }
    }

}
