package dev.roost.runtime.sandbox;

import static java.util.Objects.requireNonNull;

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
import dev.roost.sandbox.bubblewrap.InstanceCgroups;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs instances as supervised, long-running bubblewrap jails on this machine, with no
 * container daemon: each "container" is a jail made from a directory image
 * ({@link SandboxImages}), limited by the sandbox module's cgroups, with no network at all.
 *
 * <p><b>Supervision.</b> A jail is started by a small perl supervisor ({@code jail-shim.pl})
 * that detaches from Roost (new session), puts the jail's first process into its cgroup before
 * bubblewrap runs, writes its output to bounded log files with a time stamp per line, and
 * records the exit status when the jail ends. Everything about a jail is in its directory under
 * {@code stateRoot/containers/}, so a restarted server observes the jails an earlier one
 * started, still running or not. Restarting a jail that ended is the reconciler's decision, as
 * with Docker: {@link #observe} reports it exited, with its exit code and whether the kernel's
 * OOM killer struck.
 *
 * <p><b>Isolation.</b> New user, PID, IPC, UTS, network and cgroup namespaces; the image's root
 * file system read-only, a fresh {@code /proc}, {@code /dev} and {@code /tmp} (64 MiB tmpfs);
 * volumes as directories bound read-write; secret files bound read-only from a tmpfs; the
 * environment passed to bubblewrap on a file descriptor (never on a command line). When Roost
 * runs as root, the jail runs as an unprivileged host user ({@link SandboxRuntimeSettings#jailUid()}).
 *
 * <p><b>Reaching a jail.</b> The jail has only its own loopback. {@link #endpoint} opens a
 * loopback port of the server that is relayed, through a Unix socket, to a forwarder process
 * started in the jail's network namespace only ({@code port-forwarder.pl}); HTTP probes use it.
 * Command probes run inside the jail with {@code nsenter}, in its cgroup, as its user.
 *
 * <p>Thread-safe: actions on one container are serialised by a lock per container id.
 */
public final class SandboxRuntime implements Runtime {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxRuntime.class);
    /** Every container id of this runtime starts with it. */
    public static final String ID_PREFIX = "sbx-";
    private static final String SHIM = "jail-shim.pl";
    private static final String FORWARDER = "port-forwarder.pl";
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final String HOST_PATH = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    /** Joins each cgroup given ($1 = how many, then their cgroup.procs files), then execs the rest. */
    private static final String JOIN_AND_EXEC = "n=$1; shift; while [ \"$n\" -gt 0 ]; do "
            + "echo $$ > \"$1\" || exit 125; shift; n=$((n-1)); done; exec \"$@\"";
    private static final List<String> SKIPPED_TOP = List.of("proc", "dev", "tmp", "sys");
    private static final long TMP_BYTES = 64L << 20;

    private final SandboxRuntimeSettings settings;
    private final SandboxImages images;
    private final boolean root;
    private final Path containers;
    private final Path volumes;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Process> forwarders = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PortBridge> bridges = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private volatile Prepared prepared;
    private volatile Status status;
    private boolean installed; // guarded by this

    /** What the runtime found it can use. */
    private record Prepared(Path bwrap, Optional<Path> setpriv, Path nsenter, Path perl, InstanceCgroups cgroups, boolean disableUserns,
                            Path shim, Path forwarder) {
    }

    /** Whether jails can run here, and what is used or what is missing (with what to do). */
    public record Status(boolean usable, String detail) {
    }

    public SandboxRuntime(SandboxRuntimeSettings settings) {
        this.settings = requireNonNull(settings, "settings is null");
        this.images = new SandboxImages(settings.images());
        this.root = SandboxRuntimeSettings.uid() == 0;
        this.containers = settings.stateRoot().resolve("containers");
        this.volumes = settings.stateRoot().resolve("volumes");
    }

    public SandboxRuntimeSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return "sandbox";
    }

    /** Checks bubblewrap, perl, nsenter, setpriv (as root), cgroups and the state directories, then runs a trial jail. */
    public synchronized Status probe() {
        List<String> problems = new ArrayList<>();
        Optional<Path> bwrap = settings.bubblewrap().or(() -> onPath("bwrap"));
        if (bwrap.isEmpty() || !Files.isExecutable(bwrap.get())) {
            problems.add("bubblewrap is not installed" + settings.bubblewrap().map(p -> " at " + p).orElse("")
                    + " (Debian/Ubuntu: apt-get install bubblewrap)");
        }
        Optional<Path> perl = onPath("perl");
        if (perl.isEmpty()) {
            problems.add("perl is missing (Debian: perl-base), which supervises jails");
        }
        Optional<Path> nsenter = onPath("nsenter");
        if (nsenter.isEmpty()) {
            problems.add("nsenter (util-linux) is missing, which probes and reaches jails");
        }
        Optional<Path> setpriv = Optional.empty();
        if (root) {
            setpriv = onPath("setpriv");
            if (setpriv.isEmpty()) {
                problems.add("Roost runs as root but setpriv (util-linux) is missing, so jails cannot run as an unprivileged user");
            }
        }
        InstanceCgroups cgroups = InstanceCgroups.detect(settings.cgroupParent());
        problems.addAll(cgroups.problems());
        Path shim = settings.stateRoot().resolve(".bin").resolve(SHIM);
        Path forwarder = settings.stateRoot().resolve(".bin").resolve(FORWARDER);
        if (problems.isEmpty() && root) {
            for (Path dir : List.of(settings.images(), settings.stateRoot())) {
                untraversable(dir).ifPresent(blocked -> problems.add("the jail user " + settings.jailUid() + " cannot pass through "
                        + blocked + " to reach " + dir + "; make it o+x (chmod 711) or put "
                        + (dir.equals(settings.images()) ? "ROOST_SANDBOX_IMAGES" : "ROOST_SANDBOX_STATE") + " elsewhere"));
            }
        }
        boolean disableUserns = false;
        if (problems.isEmpty()) {
            disableUserns = bubblewrapAtLeast08(bwrap.get());
            Prepared p = new Prepared(bwrap.get(), setpriv, nsenter.get(), perl.get(), cgroups, disableUserns, shim, forwarder);
            trialRun(p).ifPresent(problems::add);
            if (problems.isEmpty()) {
                prepared = p;
            }
        }
        Status s = problems.isEmpty()
                ? new Status(true, "bubblewrap jails, cgroup " + cgroups.version() + " " + new java.util.TreeSet<>(cgroups.controllers())
                        + ", images in " + settings.images())
                : new Status(false, String.join("; ", problems));
        if (!problems.isEmpty()) {
            prepared = null;
        }
        status = s;
        return s;
    }

    /** The last probe's answer, probing first when there was none. */
    public Status status() {
        Status s = status;
        return s != null ? s : probe();
    }

    private Prepared ready() {
        Prepared p = prepared;
        if (p == null) {
            Status s = status();
            p = prepared;
            if (p == null) {
                throw new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "the sandbox runtime cannot run jails here: " + s.detail());
            }
        }
        return p;
    }

    // ---- observe ------------------------------------------------------------------------

    @Override
    public List<ObservedContainer> observe() {
        ready();
        List<ObservedContainer> all = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(containers)) {
            for (Path dir : dirs) {
                // .new-* and .removed-* are jails being made or removed, not yet or no longer there.
                if (!dir.getFileName().toString().startsWith(".")) {
                    observeOne(dir).ifPresent(all::add);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "cannot list " + containers + ": " + e);
        }
        return all;
    }

    @Override
    public List<ObservedContainer> observe(UUID instanceId) {
        return observe().stream().filter(c -> c.instanceId().equals(instanceId)).toList();
    }

    private Optional<ObservedContainer> observeOne(Path dir) {
        JailRecord r;
        try {
            r = JailRecord.read(dir);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warn("sandbox jail {} has an unreadable record: {}", dir.getFileName(), e.toString());
            return Optional.empty();
        }
        JailState s = state(dir, r);
        return Optional.of(new ObservedContainer(r.containerId(), r.instanceId(), r.workspace(), r.instance(), r.version(), r.replica(),
                r.specHash(), r.image(), s.state(), s.exitCode(), s.oomKilled(), Math.max(0, s.starts() - 1), s.startedAt(),
                s.finishedAt(), drift(r)));
    }

    /** The state of a jail as its files say. */
    private record JailState(ObservedContainer.State state, Optional<Integer> exitCode, boolean oomKilled, int starts,
                             Optional<Instant> startedAt, Optional<Instant> finishedAt, OptionalLong shimPid) {
        boolean running() {
            return state == ObservedContainer.State.RUNNING;
        }
    }

    private JailState state(Path dir, JailRecord r) {
        int starts = (int) readNumber(dir.resolve("starts")).orElse(0);
        Optional<Instant> startedAt = readNumber(dir.resolve("started")).stream().mapToObj(Instant::ofEpochMilli).findFirst();
        Optional<String> exit = readText(dir.resolve("exit"));
        if (exit.isPresent()) {
            String[] parts = exit.get().strip().split(" ");
            long oomBase = readNumber(dir.resolve("oom.base")).orElse(0);
            boolean oom = cgroup(r).oomKills() > oomBase;
            return new JailState(ObservedContainer.State.EXITED, Optional.of(Integer.parseInt(parts[0])), oom, starts, startedAt,
                    parts.length > 1 ? Optional.of(Instant.ofEpochMilli(Long.parseLong(parts[1]))) : Optional.empty(), OptionalLong.empty());
        }
        Optional<String> pids = readText(dir.resolve("shim.pid"));
        if (pids.isEmpty()) {
            return new JailState(starts == 0 ? ObservedContainer.State.CREATED : ObservedContainer.State.EXITED, Optional.empty(), false,
                    starts, startedAt, Optional.empty(), OptionalLong.empty());
        }
        long shim = Long.parseLong(pids.get().strip().split(" ")[0]);
        if (shimAlive(shim)) {
            return new JailState(ObservedContainer.State.RUNNING, Optional.empty(), false, starts, startedAt, Optional.empty(),
                    OptionalLong.of(shim));
        }
        // The supervisor is gone without recording an exit (killed, or the machine restarted): the
        // jail died with it or is beyond reach; its exit code is unknown.
        return new JailState(ObservedContainer.State.EXITED, Optional.empty(), false, starts, startedAt, Optional.empty(),
                OptionalLong.empty());
    }

    private static boolean shimAlive(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(h -> h.info().arguments().map(a -> String.join(" ", a).contains(SHIM)).orElse(true))
                .orElse(false);
    }

    private List<String> drift(JailRecord r) {
        InstanceCgroups.Group g = cgroup(r);
        if (!g.exists()) {
            return List.of();
        }
        List<String> drift = new ArrayList<>();
        OptionalLong memory = g.memoryLimit();
        if (memory.isPresent() && memory.getAsLong() != r.memoryBytes()) {
            drift.add("memory limit is " + bytes(memory.getAsLong()) + ", manifest says " + bytes(r.memoryBytes()));
        }
        OptionalLong pids = g.pidsLimit();
        if (pids.isPresent() && pids.getAsLong() != r.pids()) {
            drift.add("PID limit is " + pids.getAsLong() + ", Roost set " + r.pids());
        }
        return drift;
    }

    // ---- actions ------------------------------------------------------------------------

    @Override
    public Optional<String> apply(RuntimeAction action, SecretSource secrets) {
        requireNonNull(action, "action is null");
        requireNonNull(secrets, "secrets is null");
        Prepared p = ready();
        return switch (action) {
            case RuntimeAction.EnsureImage ensure -> {
                images.resolve(ensure.image());
                yield Optional.empty();
            }
            case RuntimeAction.CreateContainer create -> Optional.of(create(p, create.spec(), create.replica(), secrets));
            case RuntimeAction.StartContainer start -> {
                withLock(start.containerId(), () -> start(p, start.containerId()));
                yield Optional.of(start.containerId());
            }
            case RuntimeAction.StopContainer stop -> {
                withLock(stop.containerId(), () -> stop(stop.containerId(), true));
                yield Optional.of(stop.containerId());
            }
            case RuntimeAction.RemoveContainer remove -> {
                withLock(remove.containerId(), () -> remove(remove.containerId()));
                yield Optional.of(remove.containerId());
            }
            case RuntimeAction.RemoveVolumes remove -> {
                deleteTree(volumes.resolve(remove.instanceId().toString()));
                yield Optional.empty();
            }
        };
    }

    private void withLock(String containerId, Runnable action) {
        Object lock = locks.computeIfAbsent(containerId, k -> new Object());
        synchronized (lock) {
            action.run();
        }
    }

    static String containerId(WorkloadSpec spec, int replica) {
        return ID_PREFIX + spec.instanceId() + "-v" + spec.version() + "-r" + replica;
    }

    private Path dirOf(String containerId) {
        if (!containerId.startsWith(ID_PREFIX) || containerId.contains("/") || containerId.contains("..")) {
            return containers.resolve("not-a-sandbox-container");
        }
        return containers.resolve(containerId);
    }

    private Path secretDirOf(String containerId) {
        return settings.secretRoot().resolve(containerId);
    }

    private String create(Prepared p, WorkloadSpec spec, int replica, SecretSource secrets) {
        ensureInstalled(p);
        String id = containerId(spec, replica);
        Object lock = locks.computeIfAbsent(id, k -> new Object());
        synchronized (lock) {
            Path dir = dirOf(id);
            if (Files.isRegularFile(dir.resolve(JailRecord.FILE))) {
                JailRecord r = record(id);
                if (!state(dir, r).running()) {
                    start(p, id);
                }
                return id;
            }
            SandboxImages.Image image = images.resolve(spec.image());
            List<String> command = new ArrayList<>(image.entrypoint());
            command.addAll(spec.command().isEmpty() ? image.cmd() : spec.command());
            if (command.isEmpty()) {
                throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "image " + spec.image() + " has no entrypoint or cmd, and the"
                        + " manifest gives no command");
            }
            for (Volume v : spec.volumes()) {
                checkMountPath(image, v.mountPath(), "volume " + v.name());
            }
            spec.secretFiles().keySet().forEach(path -> checkMountPath(image, path, "secret file"));
            Map<String, byte[]> secretEnv = new TreeMap<>();
            Map<String, byte[]> secretFiles = new TreeMap<>();
            resolveSecrets(spec, secrets, secretEnv, secretFiles);
            InstanceCgroups.Group group = null;
            try {
                Files.createDirectories(containers);
                Path tmp = containers.resolve(".new-" + id + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
                Files.createDirectory(tmp);
                // The jail user passes through to its forwarder's directory; the supervisor makes every file 0600.
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
                Path secretDir = secretDirOf(id);
                deleteTree(secretDir);
                if (!Files.isDirectory(settings.secretRoot())) {
                    // Made with the first jail, not at start: a server that runs none leaves nothing in /dev/shm.
                    Files.createDirectories(settings.secretRoot());
                    Files.setPosixFilePermissions(settings.secretRoot(), PosixFilePermissions.fromString("rwx--x--x"));
                }
                Files.createDirectories(secretDir);
                Files.setPosixFilePermissions(secretDir, PosixFilePermissions.fromString("rwx------"));
                List<String> options = jailOptions(p, spec, image, id, secretDir, secretFiles);
                if (!secretEnv.isEmpty()) {
                    ByteArrayOutputStream env = new ByteArrayOutputStream();
                    secretEnv.forEach((name, value) -> {
                        arg(env, "--setenv");
                        arg(env, name);
                        env.writeBytes(value);
                        env.write(0);
                    });
                    writePrivate(secretDir.resolve("env.args"), env.toByteArray());
                }
                long memory = spec.memoryBytes().orElse(settings.defaultMemoryBytes());
                long cpu = spec.cpuMillis().orElse(java.lang.Runtime.getRuntime().availableProcessors() * 1000L);
                group = p.cgroups().create(cgroupName(id), memory, (int) Math.min(Integer.MAX_VALUE, Math.max(10, cpu)),
                        (int) Math.max(4, spec.pidsLimit()));
                JailRecord r = new JailRecord(id, spec.instanceId(), spec.workspace(), spec.instance(), spec.version(), replica,
                        spec.specHash(), spec.image(), memory, cpu, Math.max(4, spec.pidsLimit()), group.version(), group.directories(),
                        options, List.copyOf(command), !secretEnv.isEmpty(), Instant.now());
                r.write(tmp);
                Files.move(tmp, dir);
            } catch (IOException | RuntimeException e) {
                if (group != null) {
                    group.remove();
                }
                deleteTree(secretDirOf(id));
                throw e instanceof RuntimeFailure f ? f
                        : new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot make the jail " + id + ": " + e.getMessage(), e);
            } finally {
                secretEnv.values().forEach(b -> java.util.Arrays.fill(b, (byte) 0));
                secretFiles.values().forEach(b -> java.util.Arrays.fill(b, (byte) 0));
            }
            start(p, id);
            return id;
        }
    }

    private static String cgroupName(String id) {
        return id + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    private void resolveSecrets(WorkloadSpec spec, SecretSource secrets, Map<String, byte[]> env, Map<String, byte[]> files) {
        List<String> names = spec.secretNames();
        if (names.isEmpty()) {
            return;
        }
        Map<String, SecretValue> values = secrets.resolve(names);
        try {
            for (var e : spec.secretEnv().entrySet()) {
                byte[] value = requireNonNull(values.get(e.getValue()), "secret " + e.getValue() + " was not resolved").bytes().clone();
                if (!utf8WithoutNul(value)) {
                    java.util.Arrays.fill(value, (byte) 0);
                    throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "secret " + e.getValue() + " is not UTF-8 text (or holds a"
                            + " NUL byte), so it cannot go into the environment variable " + e.getKey() + "; mount it as a file instead");
                }
                env.put(e.getKey(), value);
            }
            for (var e : spec.secretFiles().entrySet()) {
                files.put(e.getKey(), requireNonNull(values.get(e.getValue()), "secret " + e.getValue() + " was not resolved").bytes().clone());
            }
        } finally {
            values.values().forEach(SecretValue::close);
        }
    }

    private static boolean utf8WithoutNul(byte[] value) {
        for (byte b : value) {
            if (b == 0) {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * A mount point must be creatable in the jail's read-only root: either under a top-level
     * directory the image does not have, or in a directory the image has.
     */
    private static void checkMountPath(SandboxImages.Image image, String path, String what) {
        if (!path.startsWith("/") || path.equals("/") || path.contains("/../") || path.endsWith("/..") || path.contains("\u0000")) {
            throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, what + " path " + path + " must be an absolute path below /");
        }
        Path relative = Path.of(path.substring(1)).normalize();
        String top = relative.getName(0).toString();
        if (SKIPPED_TOP.contains(top)) {
            throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, what + " path " + path + " is inside /" + top
                    + ", which the sandbox makes itself");
        }
        Path inImage = image.rootfs().resolve(top);
        if (!Files.exists(inImage, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path parent = relative.getParent();
        if (parent == null || Files.isDirectory(image.rootfs().resolve(parent.toString()), LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, what + " path " + path + " needs the directory /" + parent
                + " in image " + image.reference() + ", which it does not have (the image's root is read-only)");
    }

    /** bubblewrap's options for the jail, without the environment of secrets (kept apart, in the secret directory). */
    private List<String> jailOptions(Prepared p, WorkloadSpec spec, SandboxImages.Image image, String id, Path secretDir,
                                     Map<String, byte[]> secretFiles) throws IOException {
        List<String> o = new ArrayList<>(List.of("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net",
                "--unshare-cgroup-try"));
        if (p.disableUserns()) {
            o.add("--disable-userns");
        }
        // --die-with-parent: when the main process ends, bubblewrap's outer process ends and takes the
        // jail's init, so its whole PID namespace, with it (as Docker ends a container with its main
        // process); and if the supervisor is killed, the jail goes too rather than run unwatched.
        o.addAll(List.of("--die-with-parent", "--new-session", "--hostname", hostname(spec.instance())));
        try (DirectoryStream<Path> top = Files.newDirectoryStream(image.rootfs())) {
            List<Path> entries = new ArrayList<>();
            top.forEach(entries::add);
            entries.sort(null);
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (SKIPPED_TOP.contains(name)) {
                    continue;
                }
                if (Files.isSymbolicLink(entry)) {
                    o.addAll(List.of("--symlink", Files.readSymbolicLink(entry).toString(), "/" + name));
                } else {
                    o.addAll(List.of("--ro-bind", entry.toString(), "/" + name));
                }
            }
        }
        o.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--size", Long.toString(TMP_BYTES), "--tmpfs", "/tmp"));
        for (Volume v : spec.volumes()) {
            Path volume = volumes.resolve(spec.instanceId().toString()).resolve(v.name());
            if (!Files.isDirectory(volume)) {
                Files.createDirectories(volume);
                Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwx------"));
                if (root) {
                    Files.setAttribute(volume, "unix:uid", settings.jailUid());
                    Files.setAttribute(volume, "unix:gid", settings.jailGid());
                }
            }
            o.addAll(List.of("--bind", volume.toString(), v.mountPath()));
        }
        if (!secretFiles.isEmpty()) {
            Path files = secretDir.resolve("files");
            Files.createDirectories(files);
            int n = 0;
            for (var e : secretFiles.entrySet()) {
                Path file = files.resolve(Integer.toString(n++));
                writePrivate(file, e.getValue());
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
                if (root) {
                    Files.setAttribute(file, "unix:uid", settings.jailUid());
                    Files.setAttribute(file, "unix:gid", settings.jailGid());
                }
                o.addAll(List.of("--ro-bind", file.toString(), e.getKey()));
            }
            Files.setPosixFilePermissions(files, PosixFilePermissions.fromString("r-x------"));
            if (root) {
                Files.setAttribute(files, "unix:uid", settings.jailUid());
                Files.setAttribute(files, "unix:gid", settings.jailGid());
                // The jail user passes through the secret directory to its files, and sees nothing else there.
                Files.setPosixFilePermissions(secretDir, PosixFilePermissions.fromString("rwx--x--x"));
            }
        }
        o.addAll(List.of("--remount-ro", "/", "--chdir", image.workdir(), "--clearenv"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        env.putAll(image.env());
        env.putAll(spec.env());
        env.putAll(Map.of("HOSTNAME", hostname(spec.instance())));
        env.forEach((k, v) -> o.addAll(List.of("--setenv", k, v)));
        return List.copyOf(o);
    }

    private static String hostname(String instance) {
        String h = instance.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        return h.isEmpty() ? "roost" : h.length() > 63 ? h.substring(0, 63) : h;
    }

    private JailRecord record(String containerId) {
        Path dir = dirOf(containerId);
        try {
            return JailRecord.read(dir);
        } catch (NoSuchFileException e) {
            throw new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "container " + containerId + " does not exist");
        } catch (IOException | RuntimeException e) {
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "the record of container " + containerId + " cannot be read: " + e);
        }
    }

    private static InstanceCgroups.Group cgroup(JailRecord r) {
        return InstanceCgroups.open(r.cgroupVersion(), r.cgroupDirs());
    }

    private void start(Prepared p, String containerId) {
        ensureInstalled(p);
        Path dir = dirOf(containerId);
        JailRecord r = record(containerId);
        if (state(dir, r).running()) {
            return;
        }
        closeBridges(containerId);
        InstanceCgroups.Group group = cgroup(r);
        try {
            if (!group.exists()) {
                // Gone (the machine restarted, or someone removed it): make the jail a new one.
                group = p.cgroups().create(cgroupName(containerId), r.memoryBytes(), (int) Math.max(10, Math.min(Integer.MAX_VALUE,
                        r.cpuMillis())), (int) r.pids());
                r = r.withCgroup(group.version(), group.directories());
                r.write(dir);
            } else {
                group.killAll();
            }
            Path secretDir = secretDirOf(containerId);
            byte[] secretEnv = new byte[0];
            if (r.secretEnvironment()) {
                try {
                    secretEnv = Files.readAllBytes(secretDir.resolve("env.args"));
                } catch (NoSuchFileException e) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "the secret environment of container " + containerId + " is gone ("
                            + settings.secretRoot() + " is a tmpfs and the machine restarted?); remove the container so it is made anew");
                }
            }
            for (String name : List.of("exit", "shim.pid", "started")) {
                Files.deleteIfExists(dir.resolve(name));
            }
            Files.writeString(dir.resolve("oom.base"), Long.toString(group.oomKills()));
            Files.writeString(dir.resolve("starts"), Long.toString(readNumber(dir.resolve("starts")).orElse(0) + 1));
            ByteArrayOutputStream args = new ByteArrayOutputStream();
            r.jailOptions().forEach(a -> arg(args, a));
            args.writeBytes(secretEnv);
            java.util.Arrays.fill(secretEnv, (byte) 0);
            Files.createDirectories(secretDir);
            Path startArgs = secretDir.resolve("start.args");
            writePrivate(startArgs, args.toByteArray());
            List<String> c = new ArrayList<>(List.of(p.perl().toString(), p.shim().toString(), dir.toString(), startArgs.toString(),
                    Long.toString(settings.logBytes())));
            List<Path> procs = group.procsFiles();
            c.add(Integer.toString(procs.size()));
            procs.forEach(f -> c.add(f.toString()));
            c.add("--");
            if (root) {
                c.addAll(List.of(p.setpriv().orElseThrow().toString(), "--reuid=" + settings.jailUid(), "--regid=" + settings.jailGid(),
                        "--clear-groups"));
            }
            c.addAll(List.of(p.bwrap().toString(), "--args", "3", "--"));
            c.addAll(r.command());
            Files.writeString(dir.resolve("started"), Long.toString(System.currentTimeMillis()));
            ProcessBuilder pb = new ProcessBuilder(c).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().clear();
            pb.environment().put("PATH", HOST_PATH.substring(5));
            Process launcher = pb.start();
            String err;
            try (InputStream in = launcher.getErrorStream()) {
                err = new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
            }
            if (!launcher.waitFor(20, TimeUnit.SECONDS)) {
                launcher.destroyForcibly();
                throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "the supervisor of " + containerId + " did not start within 20 s");
            }
            if (launcher.exitValue() != 0) {
                throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "the supervisor of " + containerId + " did not start: " + err);
            }
            Files.deleteIfExists(startArgs);
            awaitMainProcess(r, Duration.ofSeconds(2));
        } catch (IOException e) {
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot start container " + containerId + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "interrupted while starting " + containerId);
        }
    }

    /** Waits until the jail's own first process (its PID 2; bubblewrap's init is PID 1) runs, or the jail has ended. */
    private void awaitMainProcess(JailRecord r, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        Path dir = dirOf(r.containerId());
        while (System.nanoTime() < deadline) {
            if (mainProcess(r).isPresent() || Files.exists(dir.resolve("exit"))) {
                return;
            }
            Thread.sleep(5);
        }
    }

    /**
     * The host pid of the jail's main process: the process of its cgroup that is PID 2 in its own
     * PID namespace, once it runs the jail's command (before, it is bubblewrap setting up).
     */
    Optional<Long> mainProcess(JailRecord r) {
        Path bwrap = Optional.ofNullable(prepared).map(Prepared::bwrap).orElse(Path.of("/usr/bin/bwrap"));
        for (long pid : cgroup(r).processes()) {
            try {
                if (Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).equals(bwrap.toRealPath())) {
                    continue;
                }
            } catch (IOException e) {
                continue;
            }
            Optional<String> status = readText(Path.of("/proc", Long.toString(pid), "status"));
            if (status.isEmpty()) {
                continue;
            }
            for (String line : status.get().split("\n")) {
                if (line.startsWith("NSpid:")) {
                    String[] ids = line.substring(6).strip().split("\\s+");
                    if (ids.length == 2 && ids[1].equals("2")) {
                        return Optional.of(pid);
                    }
                }
            }
        }
        return Optional.empty();
    }

    Optional<Long> mainProcess(String containerId) {
        return mainProcess(record(containerId));
    }

    private void stop(String containerId, boolean graceful) {
        Path dir = dirOf(containerId);
        JailRecord r = record(containerId);
        closeBridges(containerId);
        JailState s = state(dir, r);
        if (!s.running()) {
            return;
        }
        InstanceCgroups.Group group = cgroup(r);
        if (graceful) {
            mainProcess(r).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroy);
            waitFor(() -> Files.exists(dir.resolve("exit")), settings.stopGrace());
        }
        if (!Files.exists(dir.resolve("exit"))) {
            group.killAll();
            waitFor(() -> Files.exists(dir.resolve("exit")), Duration.ofSeconds(5));
        }
        if (!Files.exists(dir.resolve("exit"))) {
            s.shimPid().ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            try {
                Files.writeString(dir.resolve("exit"), "137 " + System.currentTimeMillis() + "\n");
            } catch (IOException e) {
                throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot record the stop of " + containerId + ": " + e);
            }
        }
        group.killAll();
    }

    private void remove(String containerId) {
        Path dir = dirOf(containerId);
        if (!Files.isRegularFile(dir.resolve(JailRecord.FILE))) {
            deleteTree(secretDirOf(containerId));
            return;
        }
        JailRecord r = record(containerId);
        stop(containerId, true);
        InstanceCgroups.Group group = cgroup(r);
        group.killAll();
        group.remove();
        deleteTree(secretDirOf(containerId));
        Path doomed = containers.resolve(".removed-" + containerId + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        try {
            Files.move(dir, doomed);
        } catch (IOException e) {
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot remove container " + containerId + ": " + e);
        }
        deleteTree(doomed);
    }

    // ---- probes and endpoints -----------------------------------------------------------

    @Override
    public ProbeResult probe(String containerId, Health.Probe probe, int containerPort, Duration timeout) {
        JailRecord r;
        try {
            r = record(containerId);
        } catch (RuntimeFailure e) {
            return ProbeResult.unhealthy("container not found");
        }
        if (!state(dirOf(containerId), r).running()) {
            return ProbeResult.unhealthy("container is not running");
        }
        return switch (probe) {
            case Health.Http h -> {
                Optional<InetSocketAddress> address = endpoint(containerId, containerPort);
                if (address.isEmpty()) {
                    yield ProbeResult.unhealthy("container is not running");
                }
                yield httpProbe(address.get(), h.path(), containerPort, timeout);
            }
            case Health.Command cmd -> {
                ExecResult result = exec(r, cmd.command(), timeout);
                if (result.timedOut()) {
                    yield ProbeResult.unhealthy("timeout after " + Math.max(1, timeout.toSeconds()) + "s");
                }
                yield result.exitCode() == 0 ? ProbeResult.healthy("exit 0") : ProbeResult.unhealthy("exit " + result.exitCode());
            }
        };
    }

    private ProbeResult httpProbe(InetSocketAddress address, String path, int jailPort, Duration timeout) {
        URI uri = URI.create("http://" + address.getHostString() + ":" + address.getPort() + path);
        long deadline = System.nanoTime() + Math.min(timeout.toNanos(), Duration.ofSeconds(1).toNanos());
        while (true) {
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                return status >= 200 && status < 400 ? ProbeResult.healthy("HTTP " + status) : ProbeResult.unhealthy("HTTP " + status);
            } catch (HttpTimeoutException e) {
                return ProbeResult.unhealthy("timeout after " + Math.max(1, timeout.toSeconds()) + "s");
            } catch (IOException e) {
                // The bridge accepted but nothing listens on the jail's port (yet): a process that has
                // just started gets a moment to open it, as within Docker's network.
                if (System.nanoTime() > deadline) {
                    // The bridge itself always accepts: a refused or dropped connection inside the jail ends it unanswered.
                    return ProbeResult.unhealthy("no answer on port " + jailPort);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return ProbeResult.unhealthy("interrupted");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ProbeResult.unhealthy("interrupted");
            }
        }
    }

    @Override
    public Optional<InetSocketAddress> endpoint(String containerId, int port) {
        if (port < 1 || port > 65535) {
            return Optional.empty();
        }
        JailRecord r;
        try {
            r = record(containerId);
        } catch (RuntimeFailure e) {
            return Optional.empty();
        }
        if (!state(dirOf(containerId), r).running()) {
            return Optional.empty();
        }
        String key = containerId + ":" + port;
        PortBridge bridge = bridges.computeIfAbsent(key, k -> {
            try {
                return new PortBridge(containerId, port, () -> forwarderSocket(containerId));
            } catch (IOException e) {
                throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot open a loopback port for " + containerId + ": " + e);
            }
        });
        return Optional.of(bridge.address());
    }

    /** The forwarder's socket for the jail, starting the forwarder in the jail's network namespace when none runs. */
    private Path forwarderSocket(String containerId) {
        Prepared p = ready();
        Path dir = dirOf(containerId).resolve("fwd");
        Path socket = dir.resolve("s");
        Process running = forwarders.get(containerId);
        if (running != null && running.isAlive()) {
            return socket;
        }
        synchronized (forwarders) {
            running = forwarders.get(containerId);
            if (running != null && running.isAlive()) {
                return socket;
            }
            ensureInstalled(p);
            JailRecord r = record(containerId);
            long main = mainProcess(r).orElseThrow(() -> new RuntimeFailure(RuntimeFailure.Kind.FAILED, containerId + " is not running"));
            try {
                if (socket.toString().getBytes(StandardCharsets.UTF_8).length > 100) {
                    throw new IOException("the socket path " + socket + " is too long for a Unix socket; use a shorter ROOST_SANDBOX_STATE");
                }
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                if (root) {
                    Files.setAttribute(dir, "unix:uid", settings.jailUid());
                    Files.setAttribute(dir, "unix:gid", settings.jailGid());
                }
                List<String> c = new ArrayList<>(List.of(p.nsenter().toString(), "-t", Long.toString(main), "-n", "--"));
                if (root) {
                    c.addAll(List.of(p.setpriv().orElseThrow().toString(), "--reuid=" + settings.jailUid(), "--regid=" + settings.jailGid(),
                            "--clear-groups", "--no-new-privs"));
                }
                c.addAll(List.of(p.perl().toString(), p.forwarder().toString(), socket.toString(), Long.toString(main)));
                ProcessBuilder pb = new ProcessBuilder(c).redirectErrorStream(true);
                pb.environment().clear();
                pb.environment().put("PATH", HOST_PATH.substring(5));
                Process f = pb.start();
                f.getOutputStream().close();
                byte[] line = new byte[256];
                int n = f.getInputStream().readNBytes(line, 0, 6);
                String ready = new String(line, 0, Math.max(0, n), StandardCharsets.UTF_8);
                if (!ready.equals("ready\n")) {
                    f.destroyForcibly();
                    throw new IOException("the port forwarder did not start: " + ready.strip()
                            + new String(f.getInputStream().readNBytes(1024), StandardCharsets.UTF_8).strip());
                }
                forwarders.put(containerId, f);
                return socket;
            } catch (IOException e) {
                throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot reach into " + containerId + ": " + e.getMessage(), e);
            }
        }
    }

    private void closeBridges(String containerId) {
        bridges.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(containerId + ":")) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        Process f = forwarders.remove(containerId);
        if (f != null) {
            f.destroyForcibly();
        }
    }

    /** The outcome of a command run inside a jail. */
    record ExecResult(int exitCode, boolean timedOut, String output) {
    }

    /** Runs {@code command} inside the jail: its namespaces, root, cgroup and user; output (first 64 KiB) merged. */
    ExecResult exec(JailRecord r, List<String> command, Duration timeout) {
        Prepared p = ready();
        Optional<Long> main = mainProcess(r);
        if (main.isEmpty()) {
            return new ExecResult(-1, false, "not running");
        }
        List<String> c = new ArrayList<>(List.of("/bin/sh", "-c", JOIN_AND_EXEC, "roost-exec"));
        List<Path> procs = cgroup(r).procsFiles();
        c.add(Integer.toString(procs.size()));
        procs.forEach(f -> c.add(f.toString()));
        c.addAll(List.of(p.nsenter().toString(), "-t", Long.toString(main.get()), "-U", "-m", "-n", "-p", "-i", "-u", "-r", "-w"));
        if (root) {
            c.addAll(List.of("-S", Integer.toString(settings.jailUid()), "-G", Integer.toString(settings.jailGid())));
        } else {
            c.add("--preserve-credentials");
        }
        c.add("--");
        c.addAll(command);
        try {
            ProcessBuilder pb = new ProcessBuilder(c).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().put("PATH", jailPath(r));
            Process proc = pb.start();
            proc.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (InputStream in = proc.getInputStream()) {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        synchronized (out) {
                            if (out.size() < 65536) {
                                out.write(buf, 0, Math.min(n, 65536 - out.size()));
                            }
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            if (!proc.waitFor(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
                proc.descendants().forEach(ProcessHandle::destroyForcibly);
                proc.destroyForcibly();
                return new ExecResult(-1, true, "");
            }
            reader.join(Duration.ofSeconds(1));
            synchronized (out) {
                return new ExecResult(proc.exitValue(), false, out.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            return new ExecResult(-1, false, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ExecResult(-1, true, "");
        }
    }

    ExecResult exec(String containerId, List<String> command, Duration timeout) {
        return exec(record(containerId), command, timeout);
    }

    private static String jailPath(JailRecord r) {
        List<String> o = r.jailOptions();
        String path = DEFAULT_PATH;
        for (int i = 0; i + 2 < o.size(); i++) {
            if (o.get(i).equals("--setenv") && o.get(i + 1).equals("PATH")) {
                path = o.get(i + 2);
            }
        }
        return path;
    }

    // ---- logs ---------------------------------------------------------------------------

    @Override
    public LogStream logs(String containerId, LogRequest request) {
        JailRecord r = record(containerId);
        Path dir = dirOf(containerId);
        return new JailLogStream(dir, request.tail(), request.follow(),
                () -> !Files.isDirectory(dir) || !state(dir, r).running());
    }

    // ---- test and operator hooks --------------------------------------------------------

    /** The jail's cgroup (tests: change a limit behind Roost's back, kill it). */
    InstanceCgroups.Group cgroupOf(String containerId) {
        return cgroup(record(containerId));
    }

    Path directoryOf(String containerId) {
        return dirOf(containerId);
    }

    boolean hasVolumes(UUID instanceId) {
        return Files.isDirectory(volumes.resolve(instanceId.toString()));
    }

    /** Removes every jail of these instances and their volumes, whatever their state (test hygiene). */
    public void purge(Collection<UUID> instanceIds) {
        if (prepared == null) {
            return;
        }
        for (ObservedContainer c : observe()) {
            if (instanceIds.contains(c.instanceId())) {
                withLock(c.containerId(), () -> {
                    closeBridges(c.containerId());
                    JailRecord r = record(c.containerId());
                    cgroup(r).killAll();
                    remove(c.containerId());
                });
            }
        }
        instanceIds.forEach(id -> deleteTree(volumes.resolve(id.toString())));
    }

    @Override
    public void close() {
        bridges.values().forEach(PortBridge::close);
        bridges.clear();
        forwarders.values().forEach(Process::destroyForcibly);
        forwarders.clear();
    }

    // ---- files --------------------------------------------------------------------------

    /**
     * Makes the state directories and installs the supervisor and forwarder scripts, once, before
     * the first jail: a server that runs no jail leaves nothing behind.
     */
    private synchronized void ensureInstalled(Prepared p) {
        if (installed) {
            return;
        }
        try {
            prepareDirectories();
            install(SHIM, p.shim());
            install(FORWARDER, p.forwarder());
            installed = true;
        } catch (IOException e) {
            throw new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "cannot prepare " + settings.stateRoot() + ": " + e);
        }
    }

    private void prepareDirectories() throws IOException {
        for (Path d : List.of(settings.stateRoot(), containers, volumes, settings.stateRoot().resolve(".bin"))) {
            Files.createDirectories(d);
        }
        // The jail user passes through to its volumes and forwarder directories; nobody lists them.
        Files.setPosixFilePermissions(settings.stateRoot(), PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(containers, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(volumes, PosixFilePermissions.fromString("rwx--x--x"));
        // Half-made or half-removed jails of an earlier run.
        try (DirectoryStream<Path> left = Files.newDirectoryStream(containers, ".*")) {
            for (Path dir : left) {
                deleteTree(dir);
            }
        }
    }

    private static void install(String resource, Path target) throws IOException {
        byte[] bytes;
        try (InputStream in = SandboxRuntime.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the class path");
            }
            bytes = in.readAllBytes();
        }
        if (!Files.isRegularFile(target) || !java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private Optional<String> trialRun(Prepared p) {
        List<String> c = new ArrayList<>();
        if (root) {
            c.addAll(List.of(p.setpriv().orElseThrow().toString(), "--reuid=" + settings.jailUid(), "--regid=" + settings.jailGid(),
                    "--clear-groups"));
        }
        c.addAll(List.of(p.bwrap().toString(), "--unshare-user", "--unshare-pid", "--unshare-net", "--ro-bind", "/usr", "/usr",
                "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--proc", "/proc",
                "--dev", "/dev", "--", "/usr/bin/true"));
        try {
            ProcessBuilder pb = new ProcessBuilder(c).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().put("PATH", HOST_PATH.substring(5));
            Process proc = pb.start();
            proc.getOutputStream().close();
            String out = new String(proc.getInputStream().readNBytes(2048), StandardCharsets.UTF_8).strip();
            if (!proc.waitFor(20, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                return Optional.of("a trial jail did not end within 20 s");
            }
            return proc.exitValue() == 0 ? Optional.empty()
                    : Optional.of("a trial jail failed (exit " + proc.exitValue() + "): " + out
                            + " (unprivileged user namespaces may be off: sysctl kernel.unprivileged_userns_clone=1)");
        } catch (IOException e) {
            return Optional.of("a trial jail could not start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted during a trial jail");
        }
    }

    /** The first existing directory on the way to {@code dir} (itself included) that the jail user may not pass through. */
    private Optional<Path> untraversable(Path dir) {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (!Files.isDirectory(p)) {
                continue;
            }
            try {
                boolean jailOwns = Integer.valueOf(settings.jailUid()).equals(Files.getAttribute(p, "unix:uid"));
                if (!jailOwns && !Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                    return Optional.of(p);
                }
            } catch (IOException | UnsupportedOperationException e) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static boolean bubblewrapAtLeast08(Path bwrap) {
        try {
            Process proc = new ProcessBuilder(bwrap.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(proc.getInputStream().readNBytes(256), StandardCharsets.UTF_8).strip();
            proc.waitFor(10, TimeUnit.SECONDS);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\.(\\d+)").matcher(out);
            return m.find() && (Integer.parseInt(m.group(1)) > 0 || Integer.parseInt(m.group(2)) >= 8);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void arg(ByteArrayOutputStream out, String value) {
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    /** Writes a file only its owner may read, created that way (never readable by others, not even briefly). */
    private static void writePrivate(Path file, byte[] bytes) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, bytes);
    }

    private static Optional<String> readText(Path file) {
        try {
            return Optional.of(Files.readString(file));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static OptionalLong readNumber(Path file) {
        return readText(file).map(String::strip).filter(s -> s.matches("-?[0-9]+")).map(s -> OptionalLong.of(Long.parseLong(s)))
                .orElse(OptionalLong.empty());
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static void deleteTree(Path root) {
        dev.roost.sandbox.FileTree.delete(root);
    }

    private static Optional<Path> onPath(String program) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, program)).filter(Files::isExecutable).findFirst();
    }

    private static String bytes(long bytes) {
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " bytes";
    }
}
