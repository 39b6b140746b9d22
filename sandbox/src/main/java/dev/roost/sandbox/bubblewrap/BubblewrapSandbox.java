package dev.roost.sandbox.bubblewrap;

import static java.util.Objects.requireNonNull;

import dev.roost.sandbox.OutputListener;
import dev.roost.sandbox.RunningJob;
import dev.roost.sandbox.Sandbox;
import dev.roost.sandbox.SandboxAvailability;
import dev.roost.sandbox.SandboxJob;
import dev.roost.sandbox.SandboxLimits;
import dev.roost.sandbox.SandboxResult;
import dev.roost.sandbox.SandboxUnavailable;
import dev.roost.sandbox.egress.EgressProxy;
import dev.roost.sandbox.egress.EgressSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs each job under bubblewrap in its own user, PID, IPC, UTS, network and cgroup namespaces,
 * inside a cgroup with the job's memory, PID and CPU limits.
 *
 * <p>What the job sees: {@code /usr} (and the {@code /bin}, {@code /lib*} links or directories
 * next to it) and a few files of {@code /etc} read-only; a fresh {@code /proc}, {@code /dev} and
 * {@code /tmp}; its working directory read-write at {@code /work}; a read-only root otherwise.
 * No home, no host {@code /tmp}, no {@code /run}, no Docker socket, no Roost state, no network
 * but its own loopback. It runs with no capabilities, in a new session (no controlling terminal),
 * and cannot make user namespaces of its own (bubblewrap 0.8+). When the node runs as root the
 * job runs as an unprivileged host user ({@link BubblewrapSettings#jobUid()}), so even a kernel
 * escape from the namespaces lands without privileges.
 *
 * <p>How a job gets into its cgroup before it runs: the node starts {@code /bin/sh} with a tiny
 * script that writes its own pid into the job cgroup's {@code cgroup.procs} and then
 * {@code exec}s (setpriv and) bubblewrap. Exec keeps the pid and the cgroup, and every process
 * bubblewrap and the job make is born in it; there is no window in which a job process runs
 * unlimited, and no sync pipe is needed. If joining fails, the script exits 125 before
 * bubblewrap starts and the run fails with {@link SandboxUnavailable}.
 *
 * <p>How a job is killed (timeout, cancel): every process in its cgroup gets SIGKILL
 * ({@code cgroup.kill} on v2; on v1 pid by pid until the cgroup is empty). When the job's main
 * process ends by itself, bubblewrap's init (PID 1 of the job's namespace) exits and the kernel
 * kills everything left in the namespace; the cgroup is then swept all the same.
 * {@code --die-with-parent} takes the job down with the node if the node dies; the process is
 * started from a platform thread that lives as long as the job, because the kernel's
 * parent-death signal follows the thread that forked, not the JVM.
 *
 * <p>Egress: a job with {@link SandboxJob#egressAllow()} still has no network interface but
 * its loopback. When the sandbox was given the node's {@link EgressProxy}, the job gets a Unix
 * socket of its own to the proxy, bound at {@value JailBridge#SOCKET}, a {@link JailBridge}
 * listening on {@code 127.0.0.1:3128} inside its namespace, and {@code HTTP_PROXY} and friends
 * pointing there. A job without {@code egressAllow} gets none of this: its jail is exactly as
 * before.
 */
public final class BubblewrapSandbox implements Sandbox {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BubblewrapSandbox.class);
    static final String WORK = "/work";
    static final String SCRIPT = "/run/roost/job.sh";
    /** In the work root: the Java bridge's class file, bound read-only into jails with egress. */
    static final String BRIDGE_DIR = ".bridge";
    /** Joins each cgroup given ($1 = how many, then their cgroup.procs files), then execs the rest. */
    static final String JOIN_CGROUPS_AND_EXEC = "n=$1; shift; while [ \"$n\" -gt 0 ]; do "
            + "echo $$ > \"$1\" || { echo \"" + JobRun.JOIN_FAILED + " $1\" >&2; exit 125; }; shift; n=$((n-1)); done; exec \"$@\"";
    static final Map<String, String> BASE_ENVIRONMENT = Map.of(
            "PATH", "/usr/local/bin:/usr/bin:/bin",
            "HOME", WORK,
            "TMPDIR", "/tmp",
            "LANG", "C.UTF-8");
    /** Host files a job's programs need: the dynamic linker's cache and Debian's alternatives links. */
    private static final List<String> HOST_ETC = List.of("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives");
    private static final List<String> ROOT_LINKS = List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    private final BubblewrapSettings settings;
    private final Optional<EgressProxy> egress;
    private final boolean nodeIsRoot;
    /** What a waiting jail may use until a job takes it and sets its own limits. */
    private static final SandboxLimits WAITING_LIMITS = SandboxLimits.DEFAULT.withMemoryBytes(64L << 20).withPids(16);

    private volatile SandboxAvailability availability;
    private volatile Prepared prepared;
    private boolean sweptLeftovers; // guarded by this (probe is synchronized)
    /** Jails waiting for a job; the count being made and whether the sandbox is closed are guarded by {@code warm}. */
    private final java.util.concurrent.ConcurrentLinkedQueue<WarmJail> warm = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private int warming;
    private volatile boolean closed;

    /** What the probe found and start() reuses. */
    private record Prepared(Path bwrap, Optional<Path> setpriv, Cgroups cgroups, boolean disableUserns, Path etc,
                            Optional<JailBridge> bridge) {
        Prepared withBridge(Optional<JailBridge> b) {
            return new Prepared(bwrap, setpriv, cgroups, disableUserns, etc, b);
        }
    }

    /** A sandbox without egress: jobs that declare {@code egressAllow} are refused with {@link SandboxUnavailable}. */
    public BubblewrapSandbox(BubblewrapSettings settings) {
        this.settings = requireNonNull(settings, "settings is null");
        this.egress = Optional.empty();
        this.nodeIsRoot = currentUid() == 0;
    }

    /** A sandbox whose jobs reach their {@code egressAllow} hosts through the node's egress proxy (shared; the caller closes it). */
    public BubblewrapSandbox(BubblewrapSettings settings, EgressProxy egress) {
        this.settings = requireNonNull(settings, "settings is null");
        this.egress = Optional.of(requireNonNull(egress, "egress is null"));
        this.nodeIsRoot = currentUid() == 0;
    }

    public BubblewrapSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return "bubblewrap";
    }

    @Override
    public synchronized SandboxAvailability probe() {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Optional<Path> bwrap = settings.bubblewrap().or(() -> findOnPath("bwrap"));
        Optional<String> version = Optional.empty();
        boolean disableUserns = false;
        if (bwrap.isEmpty() || !Files.isExecutable(bwrap.get())) {
            problems.add("bubblewrap is not installed" + settings.bubblewrap().map(p -> " at " + p).orElse("")
                    + " (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)");
        } else {
            version = bubblewrapVersion(bwrap.get());
            if (version.isEmpty()) {
                problems.add(bwrap.get() + " --version does not answer like bubblewrap");
            } else {
                disableUserns = atLeast(version.get(), 0, 8);
                if (!disableUserns) {
                    notes.add("bubblewrap before 0.8 cannot stop jobs from making nested user namespaces");
                }
            }
        }
        Optional<Path> setpriv = Optional.empty();
        if (nodeIsRoot) {
            setpriv = findOnPath("setpriv");
            if (setpriv.isEmpty()) {
                problems.add("the node runs as root but setpriv (util-linux) is missing, so jobs cannot be run as an unprivileged user");
            }
        }
        Cgroups cgroups = Cgroups.detect(settings.cgroupParent());
        problems.addAll(cgroups.problems());
        if (cgroups.problems().isEmpty() && !cgroups.controllers().contains("cpu")) {
            notes.add("no cpu controller: CPU limits are not enforced");
        }
        Path etc = null;
        try {
            etc = prepareWorkRoot();
            if (nodeIsRoot) {
                untraversable(settings.workRoot()).ifPresent(dir -> problems.add("the job user " + settings.jobUid()
                        + " cannot pass through " + dir + " to reach its job directory; make it o+x (chmod 711) or put the"
                        + " work root elsewhere"));
            }
        } catch (IOException e) {
            problems.add("cannot prepare the work root " + settings.workRoot() + ": " + e);
        }
        if (problems.isEmpty()) {
            prepared = new Prepared(bwrap.get(), setpriv, cgroups, disableUserns, etc, Optional.empty());
            problems.addAll(trialRun());
        }
        if (problems.isEmpty() && egress.isPresent()) {
            // Egress is an extra: without a working bridge, jobs without egress still run.
            List<String> egressProblems = new ArrayList<>();
            Optional<JailBridge> bridge = JailBridge.find(egress.get().settings().bridge(), settings.workRoot().resolve(BRIDGE_DIR),
                    egressProblems);
            if (bridge.isPresent()) {
                prepared = prepared.withBridge(bridge);
                egressProblems.addAll(trialEgressRun());
            }
            if (egressProblems.isEmpty()) {
                notes.add("egress through the " + bridge.get().kind().name().toLowerCase(java.util.Locale.ROOT) + " bridge"
                        + egress.get().settings().gateway().map(g -> ", gateway " + EgressProxy.GATEWAY_HOST + " -> " + g).orElse(""));
            } else {
                prepared = prepared.withBridge(Optional.empty());
                notes.add("no egress, jobs with egressAllow are refused: " + String.join("; ", egressProblems));
            }
        }
        if (!problems.isEmpty()) {
            prepared = null;
        }
        SandboxAvailability found = new SandboxAvailability(name(), version, cgroups.version(), cgroups.controllers(), problems, notes);
        availability = found;
        if (prepared != null) {
            refill();
        }
        return found;
    }

    /** The last probe's answer, probing first if none was made. */
    public SandboxAvailability availability() {
        SandboxAvailability a = availability;
        return a != null ? a : probe();
    }

    @Override
    public RunningJob start(SandboxJob job, OutputListener listener) {
        requireNonNull(job, "job is null");
        requireNonNull(listener, "listener is null");
        SandboxAvailability a = availability();
        Prepared p = prepared;
        if (!a.usable() || p == null) {
            throw new SandboxUnavailable("this node cannot run jobs in a sandbox, so it runs none: " + a.summary());
        }
        if (job.hasEgress() && (egress.isEmpty() || p.bridge().isEmpty())) {
            throw new SandboxUnavailable("the job asks for egress (" + job.egressAllow().size() + " hosts) but this node "
                    + (egress.isEmpty() ? "has no egress proxy" : "cannot bridge jobs to its egress proxy: " + a.summary()));
        }
        return launch(p, job, listener);
    }

    /** Whether jobs with {@code egressAllow} can run here (after a probe). */
    public boolean egressAvailable() {
        Prepared p = prepared;
        return availability().usable() && p != null && p.bridge().isPresent();
    }

    /** A job with egress: the bridge starts in the jail and the job sees the proxy variables. */
    private List<String> trialEgressRun() {
        SandboxJob trial = SandboxJob.argv("probe-egress", "/bin/sh", "-c", "test \"$HTTP_PROXY\" = " + JailBridge.PROXY_URL + " && echo ok")
                .withEgressAllow(List.of(EgressProxy.GATEWAY_HOST))
                .withLimits(SandboxLimits.DEFAULT.withMemoryBytes(128L << 20).withPids(32).withTimeout(Duration.ofSeconds(20)));
        try {
            SandboxResult r = launch(prepared, trial, OutputListener.NONE).await();
            if (r.exitCode() == 0 && r.stdout().text().strip().equals("ok")) {
                return List.of();
            }
            return List.of("a trial job with egress failed (exit " + r.exitCode() + "): " + r.stderr().text().strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of("interrupted while running a trial job with egress");
        } catch (RuntimeException e) {
            return List.of("a trial job with egress failed: " + e.getMessage());
        }
    }

    private List<String> trialRun() {
        SandboxJob trial = SandboxJob.argv("probe", "/bin/sh", "-c", "test -d /work/out && test \"$(id -u)\" != 0 && echo ok")
                .withLimits(SandboxLimits.DEFAULT.withMemoryBytes(64L << 20).withPids(16).withTimeout(Duration.ofSeconds(20)));
        try {
            SandboxResult r = launch(prepared, trial, OutputListener.NONE).await();
            if (r.exitCode() == 0 && r.stdout().text().strip().equals("ok")) {
                return List.of();
            }
            return List.of("a trial job failed (exit " + r.exitCode() + "): " + r.stderr().text().strip()
                    + hintFor(r.stderr().text()));
        } catch (SandboxUnavailable e) {
            return List.of("a trial job could not start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of("interrupted while running a trial job");
        } catch (RuntimeException e) {
            return List.of("a trial job failed: " + e);
        }
    }

    private static String hintFor(String stderr) {
        if (stderr.contains("namespace") || stderr.contains("Operation not permitted")) {
            return " (unprivileged user namespaces may be off: sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu 24.04+"
                    + " kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap)";
        }
        return "";
    }

    private JobRun launch(Prepared p, SandboxJob job, OutputListener listener) {
        long requestedAt = System.nanoTime();
        if (!job.hasEgress()) {
            WarmJail jail = takeWarm(p);
            if (jail != null) {
                refill();
                JobRun run = startWarm(jail, job, listener, requestedAt);
                if (run != null) {
                    return run;
                }
            }
        }
        String id = job.name() + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        OptionalInt uid = nodeIsRoot ? OptionalInt.of(settings.jobUid()) : OptionalInt.empty();
        OptionalInt gid = nodeIsRoot ? OptionalInt.of(settings.jobGid()) : OptionalInt.empty();
        JobDirectory dir;
        try {
            dir = JobDirectory.create(settings.workRoot(), id, uid, gid);
        } catch (IOException e) {
            throw new SandboxUnavailable("cannot make the job directory under " + settings.workRoot() + ": " + e, e);
        }
        JobCgroup cgroup = null;
        EgressSession session = null;
        try {
            if (job.hasEgress()) {
                try {
                    session = egress.orElseThrow().open(id, job.egressAllow(), uid, gid);
                } catch (IOException e) {
                    throw new SandboxUnavailable("cannot open the job's egress socket: " + e.getMessage(), e);
                }
            }
            dir.writeAttachments(job.attachments());
            if (job.command() instanceof SandboxJob.Script script) {
                dir.writeScript(script.body());
            }
            try {
                cgroup = p.cgroups().create(id, job.limits());
            } catch (IOException e) {
                availability = null;
                throw new SandboxUnavailable("cannot make the job's cgroup: " + e, e);
            }
            List<String> command = command(p, job, dir, cgroup, session);
            JobRun run = new JobRun(job, dir, cgroup, Optional.ofNullable(session), listener, () -> availability = null, requestedAt);
            run.startCold(command);
            return run;
        } catch (IOException e) {
            cleanUp(dir, cgroup, session);
            throw new SandboxUnavailable("cannot prepare the job's working directory: " + e, e);
        } catch (RuntimeException e) {
            cleanUp(dir, cgroup, session);
            throw e;
        }
    }

    // ---- warm jails

    /** A waiting jail of the current setup, or null; jails of an earlier setup or that died are discarded. */
    private WarmJail takeWarm(Prepared p) {
        WarmJail jail;
        while ((jail = warm.poll()) != null) {
            if (jail.origin() == p && jail.waiting()) {
                return jail;
            }
            jail.discard();
        }
        return null;
    }

    /**
     * Puts the job into a waiting jail and releases it; null when the jail turned out unusable
     * (it is discarded, nothing of the job ran, and the caller starts the job cold).
     */
    private JobRun startWarm(WarmJail jail, SandboxJob job, OutputListener listener, long requestedAt) {
        JobDirectory dir = jail.directory();
        JobRun run = new JobRun(job, dir, jail.cgroup(), Optional.empty(), listener, () -> availability = null, requestedAt);
        try {
            dir.writeAttachments(job.attachments());
            if (job.command() instanceof SandboxJob.Script script) {
                dir.writeRun("job.sh", script.body());
            }
            dir.writeRun("launch", launchScript(job));
            jail.cgroup().apply(job.limits());
        } catch (IllegalArgumentException e) {
            jail.discard();
            throw e;
        } catch (IOException | RuntimeException e) {
            LOG.warn("the waiting jail {} could not take job {}: {}; starting the job cold", jail.id(), job.name(), e.toString());
            jail.discard();
            return null;
        }
        if (jail.release(run, System.nanoTime())) {
            return run;
        }
        LOG.warn("the waiting jail {} was gone when job {} took it; starting the job cold", jail.id(), job.name());
        jail.discard();
        return null;
    }

    /**
     * What a released jail runs: standard input back to empty (the release byte came through it),
     * the job's environment over the base, then the job itself in place of the shell. Every value
     * and argument is one single-quoted word, which the shell never expands.
     */
    static String launchScript(SandboxJob job) {
        StringBuilder b = new StringBuilder("exec </dev/null\n");
        job.environment().forEach((name, value) -> b.append("export ").append(name).append('=').append(quote(value)).append('\n'));
        b.append("exec");
        List<String> argv = switch (job.command()) {
            case SandboxJob.Argv a -> a.args();
            case SandboxJob.Script script -> List.of("/bin/sh", SCRIPT);
        };
        argv.forEach(arg -> b.append(' ').append(quote(arg)));
        return b.append('\n').toString();
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Starts waiting jails until {@link BubblewrapSettings#warmJails()} wait or are being made (in the background). */
    private void refill() {
        Prepared p = prepared;
        int missing;
        synchronized (warm) {
            if (p == null || closed) {
                return;
            }
            missing = settings.warmJails() - warm.size() - warming;
            if (missing <= 0) {
                return;
            }
            warming += missing;
        }
        int count = missing;
        Thread.ofVirtual().name("roost-sandbox-warming").start(() -> {
            for (int i = 0; i < count; i++) {
                try {
                    WarmJail jail = makeWarm(p);
                    warm.add(jail);
                    if (closed) {
                        discardWarm();
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warn("cannot set up a waiting jail: {}; jobs start cold meanwhile", e.toString());
                } finally {
                    synchronized (warm) {
                        warming--;
                    }
                }
            }
        });
    }

    private WarmJail makeWarm(Prepared p) throws IOException {
        String id = "warm-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        OptionalInt uid = nodeIsRoot ? OptionalInt.of(settings.jobUid()) : OptionalInt.empty();
        OptionalInt gid = nodeIsRoot ? OptionalInt.of(settings.jobGid()) : OptionalInt.empty();
        JobDirectory dir = JobDirectory.create(settings.workRoot(), id, uid, gid);
        JobCgroup cgroup = null;
        try {
            dir.makeRun();
            cgroup = p.cgroups().create(id, WAITING_LIMITS);
            return WarmJail.start(id, p, dir, cgroup, warmCommand(p, dir, cgroup));
        } catch (IOException | RuntimeException e) {
            cleanUp(dir, cgroup, null);
            throw e;
        }
    }

    /** Whether a jail waits for a job now, so the next job starts warm. */
    public boolean hasWaitingJail() {
        return waitingJails() > 0;
    }

    /** How many jails wait for a job now. */
    int waitingJails() {
        return (int) warm.stream().filter(WarmJail::waiting).count();
    }

    private void discardWarm() {
        WarmJail jail;
        while ((jail = warm.poll()) != null) {
            jail.discard();
        }
    }

    /** Discards the waiting jails and makes no more; jobs still start (cold). Running jobs are not touched. */
    @Override
    public void close() {
        synchronized (warm) {
            closed = true;
        }
        discardWarm();
    }

    private static void cleanUp(JobDirectory dir, JobCgroup cgroup, EgressSession session) {
        if (session != null) {
            session.close();
        }
        if (cgroup != null) {
            cgroup.remove();
        }
        dir.delete();
    }

    /** The full command line: join the cgroups, drop to the job user, bubblewrap, the job. */
    private List<String> command(Prepared p, SandboxJob job, JobDirectory dir, JobCgroup cgroup, EgressSession session) {
        List<String> c = jail(p, dir, cgroup);
        if (job.command() instanceof SandboxJob.Script) {
            c.addAll(List.of("--ro-bind", dir.script().toString(), SCRIPT));
        }
        JailBridge bridge = session == null ? null : p.bridge().orElseThrow();
        if (bridge != null) {
            // The job's own socket to the proxy; no other job's is in its mount namespace.
            c.addAll(List.of("--ro-bind", session.socket().toString(), JailBridge.SOCKET));
            c.addAll(bridge.binds());
        }
        // Everything else, the root included, is read-only: a write outside /work and /tmp fails.
        c.addAll(List.of("--remount-ro", "/", "--chdir", WORK, "--clearenv"));
        Map<String, String> env = new LinkedHashMap<>(BASE_ENVIRONMENT);
        env.putAll(job.environment());
        if (bridge != null) {
            for (String name : List.of("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")) {
                env.put(name, JailBridge.PROXY_URL);
            }
            // Everything goes through the proxy, which refuses loopback: there is nothing else to reach.
            env.put("NO_PROXY", "");
            env.put("no_proxy", "");
            if (egress.orElseThrow().settings().gateway().isPresent()) {
                env.put("ROOST_GATEWAY_URL", "http://" + EgressProxy.GATEWAY_HOST);
            }
        }
        env.forEach((k, v) -> c.addAll(List.of("--setenv", k, v)));
        c.add("--");
        List<String> argv = switch (job.command()) {
            case SandboxJob.Argv a -> a.args();
            case SandboxJob.Script script -> List.of("/bin/sh", SCRIPT);
        };
        c.addAll(bridge == null ? argv : bridge.wrap(argv));
        return c;
    }

    /**
     * A waiting jail's command line: the same jail with its {@code run/} at {@code /run/roost},
     * the base environment, and bubblewrap waiting for a byte on standard input before it runs
     * the launch script the job will write.
     */
    private List<String> warmCommand(Prepared p, JobDirectory dir, JobCgroup cgroup) {
        List<String> c = jail(p, dir, cgroup);
        c.addAll(List.of("--ro-bind", dir.run().toString(), "/run/roost"));
        c.addAll(List.of("--remount-ro", "/", "--chdir", WORK, "--clearenv"));
        BASE_ENVIRONMENT.forEach((k, v) -> c.addAll(List.of("--setenv", k, v)));
        c.addAll(List.of("--block-fd", "0", "--", "/bin/sh", WarmJail.LAUNCH));
        return c;
    }

    /** Join the cgroups, drop to the job user, bubblewrap with its namespaces, the system and the working directory. */
    private List<String> jail(Prepared p, JobDirectory dir, JobCgroup cgroup) {
        List<String> c = new ArrayList<>(List.of("/bin/sh", "-c", JOIN_CGROUPS_AND_EXEC, "roost-sandbox"));
        List<Path> procs = cgroup.procsFiles();
        c.add(Integer.toString(procs.size()));
        procs.forEach(f -> c.add(f.toString()));
        if (nodeIsRoot) {
            c.addAll(List.of(p.setpriv().orElseThrow().toString(), "--reuid=" + settings.jobUid(), "--regid=" + settings.jobGid(),
                    "--clear-groups"));
        }
        c.add(p.bwrap().toString());
        c.addAll(List.of("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net",
                "--unshare-cgroup-try"));
        if (p.disableUserns()) {
            c.add("--disable-userns");
        }
        c.addAll(List.of("--die-with-parent", "--new-session", "--hostname", "roost-job"));
        c.addAll(List.of("--ro-bind", "/usr", "/usr"));
        for (String top : ROOT_LINKS) {
            Path path = Path.of(top);
            if (Files.isSymbolicLink(path)) {
                try {
                    c.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), top));
                } catch (IOException e) {
                    // not there after all
                }
            } else if (Files.isDirectory(path)) {
                c.addAll(List.of("--ro-bind", top, top));
            }
        }
        for (String file : HOST_ETC) {
            c.addAll(List.of("--ro-bind-try", file, file));
        }
        for (String file : List.of("passwd", "group", "hosts")) {
            c.addAll(List.of("--ro-bind", p.etc().resolve(file).toString(), "/etc/" + file));
        }
        c.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"));
        c.addAll(List.of("--bind", dir.work().toString(), WORK));
        return c;
    }

    /**
     * Makes the work root (others may traverse it, to reach a job directory they own, but not
     * list it) and the small /etc files jobs see instead of the host's.
     */
    private Path prepareWorkRoot() throws IOException {
        Path root = settings.workRoot();
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        if (!sweptLeftovers) {
            // The work root is this sandbox's alone: before its first job, anything in it is left
            // from a node that died mid-job, and may hold a job's files. Job cgroups left that
            // way are empty (their processes died with the node) and are not swept: another node
            // on this host may share the cgroup group.
            try (var entries = Files.list(root)) {
                for (Path left : entries.filter(p -> !p.getFileName().toString().startsWith(".etc-")
                        && !p.getFileName().toString().equals(BRIDGE_DIR)).toList()) {
                    LOG.warn("removing {}, left in the sandbox work root by an earlier run", left);
                    JobDirectory.at(left).delete();
                }
            }
            sweptLeftovers = true;
        }
        int uid = nodeIsRoot ? settings.jobUid() : currentUid();
        int gid = nodeIsRoot ? settings.jobGid() : currentGid();
        Path etc = root.resolve(".etc-" + uid);
        Files.createDirectories(etc);
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-xr-x"));
        writeIfChanged(etc.resolve("passwd"), "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
                + "job:x:" + uid + ":" + gid + ":Roost job:" + WORK + ":/bin/sh\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        writeIfChanged(etc.resolve("group"), "root:x:0:\njob:x:" + gid + ":\nnogroup:x:65534:\n");
        writeIfChanged(etc.resolve("hosts"), "127.0.0.1 localhost roost-job\n::1 localhost ip6-localhost\n");
        return etc;
    }

    /**
     * The first directory on the way to {@code dir} that others may not pass through.
     * bubblewrap runs as the job user and opens the job directory by path, so the job user must
     * be able to traverse every directory above it (not list or read them).
     */
    private Optional<Path> untraversable(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            boolean mine = Integer.valueOf(settings.jobUid()).equals(Files.getAttribute(p, "unix:uid"));
            if (!mine && !Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static void writeIfChanged(Path file, String content) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !Files.readString(file).equals(content)) {
            Files.writeString(file, content);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static Optional<String> bubblewrapVersion(Path bwrap) {
        try {
            Process p = new ProcessBuilder(bwrap.toString(), "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 && out.startsWith("bubblewrap") ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static boolean atLeast(String version, int major, int minor) {
        Matcher m = VERSION.matcher(version);
        if (!m.find()) {
            return false;
        }
        int ma = Integer.parseInt(m.group(1));
        int mi = Integer.parseInt(m.group(2));
        return ma > major || (ma == major && mi >= minor);
    }

    private static Optional<Path> findOnPath(String program) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, program)).filter(Files::isExecutable).findFirst();
    }

    private static int currentUid() {
        return statusId("Uid:");
    }

    private static int currentGid() {
        return statusId("Gid:");
    }

    /** The real id from /proc/self/status (no native call needed). */
    private static int statusId(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Integer.parseInt(line.substring(key.length()).strip().split("\\s+")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return -1;
    }
}
