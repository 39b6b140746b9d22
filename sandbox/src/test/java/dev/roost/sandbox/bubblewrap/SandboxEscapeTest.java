package dev.roost.sandbox.bubblewrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.sandbox.OutputListener;
import dev.roost.sandbox.RunningJob;
import dev.roost.sandbox.SandboxJob;
import dev.roost.sandbox.SandboxLimits;
import dev.roost.sandbox.SandboxResult;
import dev.roost.sandbox.egress.EgressProxy;
import dev.roost.sandbox.egress.EgressSettings;
import dev.roost.sandbox.egress.TestNetwork;
import dev.roost.sandbox.egress.TestUpstreams;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attempts to get out of the bubblewrap sandbox, each asserting that it fails. The sandbox's
 * work root sits inside a stand-in Roost home that also holds a node's JWT, as on a real node.
 *
 * <p>Each attempt is a shell command run inside the jail; it "escapes" if it exits 0. Commands
 * are written so that success means the attempt worked (e.g. {@code cat FILE} of a host file).
 */
class SandboxEscapeTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String JWT = "eyJhbGciOiJFZERTQSJ9.node-jwt-stand-in-" + UUID.randomUUID();

    private static Path home;
    private static Path jwt;
    private static Path hostSecret;
    private static BubblewrapSandbox sandbox;
    /** For the egress attempts: the same home, a proxy whose test names point inside, and a listener no job may reach. */
    private static BubblewrapSandbox egressSandbox;
    private static EgressProxy proxy;
    private static TestNetwork network;
    private static TestUpstreams upstreams;
    private static ServerSocket inside;
    private static final AtomicInteger insideAccepted = new AtomicInteger();
    private static byte[] client;

    @BeforeAll
    static void setUp() throws IOException {
        home = BubblewrapTestSupport.runRoot().resolve("home-" + UUID.randomUUID());
        jwt = home.resolve("node/node.jwt");
        Files.createDirectories(jwt.getParent());
        Files.writeString(jwt, JWT);
        hostSecret = Path.of("/tmp/roost-escape-" + UUID.randomUUID() + ".txt");
        Files.writeString(hostSecret, "host-secret");
        hostSecret.toFile().setReadable(true, false);
        sandbox = new BubblewrapSandbox(BubblewrapSettings.defaults(home.resolve("sandbox")));

        upstreams = new TestUpstreams();
        // A service on the node's loopback (think: the node agent, a database, a cloud metadata
        // endpoint), and test names that resolve to it or to other addresses no job may reach.
        inside = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptInBackground(inside, insideAccepted);
        network = new TestNetwork()
                .name("allowed.test", EgressSandboxTest.PUBLIC)
                .route(EgressSandboxTest.PUBLIC, 80, upstreams.http())
                .name("loopback.inside.test", "127.0.0.1")
                .name("metadata.inside.test", "169.254.169.254")
                .name("private.inside.test", "10.1.2.3")
                .name("mapped.inside.test", "::ffff:127.0.0.1")
                .name("mapped-metadata.inside.test", "::ffff:169.254.169.254")
                .name("ula.inside.test", "fd00::1")
                .name("rebind.inside.test", EgressSandboxTest.PUBLIC, "127.0.0.1");
        proxy = new EgressProxy(EgressSettings.defaults(), network);
        egressSandbox = new BubblewrapSandbox(BubblewrapSettings.defaults(home.resolve("egress-sandbox")), proxy);
        try (java.io.InputStream in = SandboxEscapeTest.class.getResourceAsStream("/egress-client.pl")) {
            client = in.readAllBytes();
        }
    }

    @AfterAll
    static void tearDown() throws IOException {
        Files.deleteIfExists(hostSecret);
        proxy.close();
        upstreams.close();
        inside.close();
    }

    @BeforeEach
    void sandboxUsable() {
        BubblewrapTestSupport.requireSandbox(sandbox);
    }

    // ---- network -----------------------------------------------------------------------------

    @Test
    void no_network_but_its_own_loopback() throws Exception {
        SandboxResult r = run(SandboxJob.script("escape", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"));

        assertThat(r.stdout().text()).isEqualTo("lo\n");
    }

    @Test
    void cannot_reach_a_port_on_the_host_loopback_or_a_host_address_or_the_internet() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket loopback = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket any = new ServerSocket(0)) {
            acceptInBackground(loopback, accepted);
            acceptInBackground(any, accepted);
            List<String> targets = new ArrayList<>(List.of("127.0.0.1:" + loopback.getLocalPort(), "1.1.1.1:443", "8.8.8.8:53"));
            hostAddress().ifPresent(a -> targets.add(a + ":" + any.getLocalPort()));
                List<String> attempts = new ArrayList<>();
            for (String interpreter : interpreters()) {
                targets.forEach(t -> attempts.add(connect(interpreter, t)));
            }

            SandboxResult r = attempts(attempts);

            assertAllBlocked(r, attempts);
            // The proof from the other side: nobody came in.
            Thread.sleep(200);
            assertThat(accepted).hasValue(0);
        }
    }

    @Test
    void the_connect_attempts_do_reach_a_listener_inside_the_jail() throws Exception {
        // Guards the test above against attempts that could never succeed anywhere.
        for (String interpreter : interpreters()) {
            String listen = interpreter.equals("python3")
                    ? "python3 -c 'import socket,time; s=socket.socket(); s.bind((\"127.0.0.1\", 7777)); s.listen(); time.sleep(5)' &"
                    : "perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr => \"127.0.0.1:7777\", Listen => 5, ReuseAddr => 1); sleep 5' &";
            SandboxResult r = run(SandboxJob.script("escape", listen + "\nsleep 1\n" + connect(interpreter, "127.0.0.1:7777")
                    + " && echo reached"));

            assertThat(r.stdout().text()).as(interpreter + ": " + r.stderr().text()).isEqualTo("reached\n");
        }
    }

    // ---- egress ------------------------------------------------------------------------------

    @Test
    void a_job_with_egress_still_has_no_network_but_its_loopback_and_cannot_go_around_the_proxy() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket any = new ServerSocket(0)) {
            acceptInBackground(any, accepted);
            List<String> targets = new ArrayList<>(List.of("127.0.0.1:" + inside.getLocalPort(), EgressSandboxTest.PUBLIC + ":80",
                    "1.1.1.1:443", "169.254.169.254:80"));
            hostAddress().ifPresent(a -> targets.add(a + ":" + any.getLocalPort()));
            List<String> attempts = new ArrayList<>(List.of("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | grep -qv '^lo$'"));
            for (String interpreter : interpreters()) {
                targets.forEach(t -> attempts.add(connect(interpreter, t)));
            }
            targets.forEach(t -> attempts.add("perl client.pl direct " + t.replace(':', ' ')));

            SandboxResult r = egressAttempts(attempts, "allowed.test");

            assertAllBlocked(r, attempts);
            Thread.sleep(200);
            assertThat(accepted).hasValue(0);
            assertThat(insideAccepted).hasValue(0);
        }
    }

    @Test
    void an_allowed_name_that_points_inside_is_refused_by_the_proxy() throws Exception {
        int port = inside.getLocalPort();
        List<String> names = List.of("loopback", "metadata", "private", "mapped", "mapped-metadata", "ula", "rebind");
        List<String> attempts = new ArrayList<>();
        for (String name : names) {
            String host = name + ".inside.test";
            attempts.add("perl client.pl get http://" + host + ":" + port + "/ | head -n 1 | grep -q ' 200 '");
            attempts.add("perl client.pl connect " + host + ":" + port);
        }

        SandboxResult r = egressAttempts(attempts, "*.inside.test", "allowed.test");

        assertAllBlocked(r, attempts);
        assertThat(r.egress().denied()).isEqualTo(attempts.size());
        assertThat(r.egress().connections()).extracting(c -> c.reason()).containsOnly(dev.roost.sandbox.EgressConnection.Reason.SPECIAL_ADDRESS);
        assertThat(network.connects).noneMatch(a -> !a.getAddress().getHostAddress().equals(EgressSandboxTest.PUBLIC));
        assertThat(insideAccepted).hasValue(0);
    }

    @Test
    void the_proxy_serves_only_the_jobs_allowlist_whatever_the_request_says() throws Exception {
        int port = inside.getLocalPort();
        List<String> attempts = List.of(
                // Addresses instead of names, inside and out.
                "perl client.pl get http://127.0.0.1:" + port + "/ | head -n 1 | grep -q ' 200 '",
                "perl client.pl connect 127.0.0.1:" + port,
                "perl client.pl connect 169.254.169.254:80",
                "perl client.pl connect [::1]:" + port,
                "perl client.pl get http://" + EgressSandboxTest.PUBLIC + "/ | head -n 1 | grep -q ' 200 '",
                // A name outside the allowlist, and look-alikes of an allowed one.
                "perl client.pl get http://denied.test/ | head -n 1 | grep -q ' 200 '",
                "perl client.pl connect allowed.test.evil.test:443",
                "perl client.pl connect xallowed.test:443",
                // Not a proxy request: the Host header must not choose the target.
                "perl client.pl send 'GET / HTTP/1.1\\r\\nHost: 127.0.0.1:" + port + "\\r\\n\\r\\n' | head -n 1 | grep -q ' 200 '",
                "perl client.pl send 'GET http://allowed.test@127.0.0.1:" + port + "/ HTTP/1.1\\r\\n\\r\\n' | head -n 1 | grep -q ' 200 '",
                // The gateway name, when the node has no gateway.
                "perl client.pl get http://" + EgressProxy.GATEWAY_HOST + "/ | head -n 1 | grep -q ' 200 '");

        SandboxResult r = egressAttempts(attempts, "allowed.test");

        assertAllBlocked(r, attempts);
        assertThat(r.egress().denied()).isEqualTo(attempts.size());
        assertThat(r.egress().allowed()).isZero();
        assertThat(insideAccepted).hasValue(0);
    }

    @Test
    void the_egress_attempts_do_succeed_for_an_allowed_host() throws Exception {
        // Guards the tests above against attempts that could never succeed anywhere.
        SandboxResult r = egressAttempts(List.of("perl client.pl get http://allowed.test/ | head -n 1 | grep -q ' 200 '"),
                "allowed.test");

        assertThat(r.stdout().text()).contains("ESCAPED 0");
        assertThat(r.egress().allowed()).isEqualTo(1);
    }

    @Test
    void a_job_without_egress_cannot_reach_the_proxy_or_another_jobs_socket() throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        RunningJob other = egressSandbox.start(SandboxJob.script("other", "echo ready; sleep 60").withEgressAllow(List.of("allowed.test")),
                (stream, chunk) -> ready.countDown());
        try {
            assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
            Path otherSocket = proxy.socketDirectory().orElseThrow();
            List<Path> sockets;
            try (var list = Files.list(otherSocket)) {
                sockets = list.toList();
            }
            assertThat(sockets).hasSize(1);
            List<String> attempts = List.of(
                    "env | grep -qi proxy",
                    "test -e /run/roost/egress.sock",
                    "find / -type s 2>/dev/null | grep -q .",
                    "ls " + otherSocket,
                    "test -e " + sockets.getFirst(),
                    "perl client.pl unix " + sockets.getFirst(),
                    "perl client.pl direct 127.0.0.1 3128");

            SandboxResult r = run(SandboxJob.script("escape", attemptScript(attempts)).withAttachments(Map.of("client.pl", client)));

            assertAllBlocked(r, attempts);
            assertThat(r.egress()).isEqualTo(dev.roost.sandbox.EgressSummary.NONE);

            // A job with egress of its own sees its socket, and only its own.
            List<String> withEgress = List.of(
                    "find / -type s 2>/dev/null | grep -v '^/run/roost/egress.sock$' | grep -q .",
                    "test -e " + sockets.getFirst(),
                    "perl client.pl unix " + sockets.getFirst(),
                    "perl client.pl get http://allowed.test/ | head -n 1 | grep -q ' 200 '");
            SandboxResult own = egressAttempts(withEgress, "other.test");
            assertAllBlocked(own, withEgress);
            assertThat(own.egress().connections()).extracting(c -> c.host() + " " + c.reason().code())
                    .containsExactly("allowed.test not-allowlisted");
        } finally {
            other.cancel();
            other.await(WAIT);
        }
    }

    // ---- files -------------------------------------------------------------------------------

    @Test
    void cannot_read_host_files_outside_the_allowed_binds() throws Exception {
        List<String> attempts = List.of(
                "cat " + hostSecret,
                "cat /proc/1/root" + hostSecret,
                "ls /root",
                "ls /home",
                "cat /etc/shadow",
                "ls /var/run/docker.sock || ls /run/docker.sock",
                "ls /sys/fs/cgroup",
                "ls " + home,
                "ls " + sandbox.settings().workRoot());

        SandboxResult r = attempts(attempts);

        assertAllBlocked(r, attempts);
        assertThat(r.stdout().text()).doesNotContain("host-secret");
    }

    @Test
    void cannot_read_the_nodes_jwt() throws Exception {
        List<String> attempts = List.of(
                "cat " + jwt,
                "cat /proc/1/root" + jwt,
                "find / -name node.jwt 2>/dev/null | grep -q .");

        SandboxResult r = attempts(attempts);

        assertAllBlocked(r, attempts);
        assertThat(r.stdout().text()).doesNotContain(JWT);
    }

    @Test
    void cannot_write_outside_the_working_directory() throws Exception {
        String name = "roost-escape-" + UUID.randomUUID();
        List<String> attempts = List.of(
                "touch /usr/" + name,
                "touch /etc/" + name,
                "echo x >> /etc/passwd",
                "touch /" + name,
                "mkdir /run/" + name,
                "echo x > /proc/sys/kernel/hostname",
                "touch " + home + "/" + name);

        SandboxResult r = attempts(attempts);

        assertAllBlocked(r, attempts);
        assertThat(Path.of("/usr", name)).doesNotExist();
        assertThat(Path.of("/etc", name)).doesNotExist();
        assertThat(Path.of("/", name)).doesNotExist();
        assertThat(home.resolve(name)).doesNotExist();
    }

    @Test
    void cannot_read_another_jobs_working_directory() throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        RunningJob other = sandbox.start(SandboxJob.script("other", "echo other-secret > secret.txt; echo ready; sleep 60"),
                (stream, chunk) -> ready.countDown());
        try {
            assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
            Path otherDir = other.workingDirectory();
            assertThat(otherDir.resolve("secret.txt")).exists();
            List<String> attempts = List.of(
                    "cat " + otherDir + "/secret.txt",
                    "ls " + otherDir,
                    "ls " + otherDir.getParent().getParent(),
                    "cat /work/secret.txt",
                    "find / -name secret.txt 2>/dev/null | grep -q .");

            SandboxResult r = attempts(attempts);

            assertAllBlocked(r, attempts);
            assertThat(r.stdout().text()).doesNotContain("other-secret");
        } finally {
            other.cancel();
            other.await(WAIT);
        }
    }

    // ---- processes and privileges -----------------------------------------------------------

    @Test
    void sees_only_its_own_processes() throws Exception {
        long jvm = ProcessHandle.current().pid();
        List<String> attempts = List.of(
                "cat /proc/[0-9]*/cmdline | tr '\\0' ' ' | grep -q '[j]ava'",
                "test $(ls /proc | grep -cE '^[0-9]+$') -gt 8",
                "grep -qs '[j]ava' /proc/" + jvm + "/cmdline",
                "kill -0 " + jvm + " && test " + jvm + " -gt 10");

        SandboxResult r = attempts(attempts);

        assertAllBlocked(r, attempts);
    }

    @Test
    void cannot_mount_or_make_namespaces() throws Exception {
        List<String> attempts = List.of(
                "mount -t tmpfs none /tmp",
                "mount --bind /work /tmp",
                "unshare -m true",
                "unshare -Urm true",
                "unshare -Ur mount -t tmpfs none /tmp",
                "grep -q 'NoNewPrivs:[[:space:]]*0' /proc/self/status");

        SandboxResult r = attempts(attempts);

        assertAllBlocked(r, attempts);
    }

    @Test
    void runs_in_a_session_of_its_own() throws Exception {
        // TIOCSTI needs the terminal to be the caller's controlling one; a new session has none.
        // The node's session lies outside the job's PID namespace, so it would read as 0.
        SandboxResult r = run(SandboxJob.script("escape", "cut -d' ' -f6 /proc/self/stat"));

        assertThat(r.stdout().text().strip()).isNotEqualTo("0").matches("[1-9][0-9]*");
    }

    @Test
    void cannot_push_input_into_a_terminal_with_tiocsti() throws Exception {
        for (String interpreter : interpreters()) {
            String body = interpreter.equals("python3")
                    ? """
                      python3 - <<'EOF'
                      import fcntl, os, termios
                      for fd in (0, 1, 2):
                          try:
                              fcntl.ioctl(fd, termios.TIOCSTI, b'x'); print('INJECTED fd', fd)
                          except OSError as e:
                              print('blocked fd', fd, e.errno)
                      try:
                          t = os.open('/dev/tty', os.O_RDWR)
                          try:
                              fcntl.ioctl(t, termios.TIOCSTI, b'x'); print('INJECTED /dev/tty')
                          except OSError as e:
                              print('blocked /dev/tty ioctl', e.errno)
                      except OSError as e:
                          print('blocked /dev/tty open', e.errno)
                      EOF
                      """
                    : """
                      perl -e '
                      for my $fd (0, 1, 2) {
                          my $mode = $fd == 0 ? "<&=" : ">&=";
                          open(my $h, $mode . $fd) or do { print "blocked fd $fd open: $!\\n"; next };
                          if (ioctl($h, 0x5412, my $c = "x")) { print "INJECTED fd $fd\\n" } else { print "blocked fd $fd $!\\n" }
                      }
                      if (open(my $t, "+<", "/dev/tty")) {
                          if (ioctl($t, 0x5412, my $d = "x")) { print "INJECTED /dev/tty\\n" } else { print "blocked /dev/tty ioctl $!\\n" }
                      } else { print "blocked /dev/tty open $!\\n" }'
                      """;

            SandboxResult r = run(SandboxJob.script("escape", body));

            assertThat(r.stdout().text()).as(interpreter + ": " + r.stderr().text()).doesNotContain("INJECTED")
                    .contains("blocked /dev/tty open");
            assertThat(r.stdout().text().lines().filter(l -> l.startsWith("blocked fd"))).as(interpreter).hasSize(3);
        }
    }

    // ---- resources ---------------------------------------------------------------------------

    @Test
    void a_fork_bomb_is_contained() throws Exception {
        SandboxResult r = run(SandboxJob.script("escape", "b() { b | b & }; b; sleep 30")
                .withLimits(SandboxLimits.DEFAULT.withPids(64).withTimeout(Duration.ofSeconds(5))));

        // The main process outlives the bomb, so the bomb runs into the PID limit until the timeout.
        assertThat(r.timedOut()).isTrue();
        assertThat(r.stderr().text()).as("forks beyond the limit fail").containsIgnoringCase("fork");
        assertThat(r.duration()).isLessThan(Duration.ofSeconds(30));
        // The node can still make processes, and nothing of the bomb is left.
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(hostProcessesRunning("/run/roost/job.sh")).isEmpty();
    }

    @Test
    void a_memory_bomb_is_killed_and_reported() throws Exception {
        String bomb = Files.isExecutable(Path.of("/usr/bin/python3"))
                ? "python3 -c 'a = []\nwhile True: a.append(bytearray(1 << 20))'"
                : "tail /dev/zero";
        SandboxResult r = run(SandboxJob.script("escape", bomb)
                .withLimits(SandboxLimits.DEFAULT.withMemoryBytes(64L << 20).withTimeout(Duration.ofSeconds(30))));

        assertThat(r.oomKilled()).isTrue();
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.timedOut()).isFalse();
    }

    @Test
    void filling_tmp_counts_against_the_memory_limit() throws Exception {
        SandboxResult r = run(SandboxJob.script("escape", "head -c 300000000 /dev/zero > /tmp/fill; echo \"head=$?\"")
                .withLimits(SandboxLimits.DEFAULT.withMemoryBytes(64L << 20).withTimeout(Duration.ofSeconds(30))));

        assertThat(r.stdout().text()).doesNotContain("head=0");
        assertThat(r.oomKilled()).isTrue();
        assertThat(r.timedOut()).isFalse();
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static SandboxResult run(SandboxJob job) throws InterruptedException {
        return sandbox.start(job, OutputListener.NONE).await(WAIT).orElseThrow(() -> new AssertionError("job did not end"));
    }

    /** Runs each command in the jail, printing {@code ESCAPED n} for each that exits 0 and {@code blocked n} otherwise. */
    private static SandboxResult attempts(List<String> commands) throws InterruptedException {
        return run(SandboxJob.script("escape", attemptScript(commands))
                .withLimits(SandboxLimits.DEFAULT.withTimeout(Duration.ofSeconds(60))));
    }

    /** {@link #attempts} in a job with egress to {@code allow}, with the test client as {@code client.pl}. */
    private static SandboxResult egressAttempts(List<String> commands, String... allow) throws InterruptedException {
        BubblewrapTestSupport.requireSandbox(egressSandbox);
        assertThat(egressSandbox.egressAvailable()).as(egressSandbox.availability().summary()).isTrue();
        SandboxJob job = SandboxJob.script("escape", attemptScript(commands)).withEgressAllow(List.of(allow))
                .withAttachments(Map.of("client.pl", client)).withLimits(SandboxLimits.DEFAULT.withTimeout(Duration.ofSeconds(60)));
        return egressSandbox.start(job, OutputListener.NONE).await(WAIT).orElseThrow(() -> new AssertionError("job did not end"));
    }

    private static String attemptScript(List<String> commands) {
        StringBuilder body = new StringBuilder("""
                attempt() {
                    if sh -c "$2" > /tmp/attempt.out 2>&1; then echo "ESCAPED $1"; head -c 2000 /tmp/attempt.out; echo; else echo "blocked $1"; fi
                }
                """);
        for (int i = 0; i < commands.size(); i++) {
            body.append("attempt ").append(i).append(" '").append(commands.get(i).replace("'", "'\\''")).append("'\n");
        }
        return body.toString();
    }

    private static void assertAllBlocked(SandboxResult r, List<String> commands) {
        List<String> lines = r.stdout().text().lines().toList();
        for (int i = 0; i < commands.size(); i++) {
            assertThat(lines).as("attempt %d must fail: %s%nstdout: %s%nstderr: %s", i, commands.get(i), r.stdout().text(),
                    r.stderr().text()).contains("blocked " + i).doesNotContain("ESCAPED " + i);
        }
    }

    private static String connect(String interpreter, String target) {
        String host = target.substring(0, target.lastIndexOf(':'));
        String port = target.substring(target.lastIndexOf(':') + 1);
        if (interpreter.equals("python3")) {
            return "python3 -c 'import socket; socket.create_connection((\"" + host + "\", " + port + "), timeout=3)'";
        }
        return "perl -MIO::Socket::INET -e 'IO::Socket::INET->new(PeerAddr => \"" + host + "\", PeerPort => " + port
                + ", Timeout => 3) or exit 1'";
    }

    /** python3 and/or perl from the host's /usr (which jobs see); skips the test when neither is there. */
    private static List<String> interpreters() {
        List<String> found = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
            found.add("python3");
        }
        if (Files.isExecutable(Path.of("/usr/bin/perl"))) {
            found.add("perl");
        }
        if (found.isEmpty()) {
            Assumptions.abort("needs /usr/bin/python3 or /usr/bin/perl to open sockets and issue ioctls (apt-get install perl-base)");
        }
        return found;
    }

    private static void acceptInBackground(ServerSocket server, AtomicInteger accepted) {
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    accepted.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** A non-loopback IPv4 address of this host, when it has one. */
    private static Optional<String> hostAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address) {
                        return Optional.of(a.getHostAddress());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> hostProcessesRunning(String text) throws IOException {
        List<String> found = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmdline.contains(text)) {
                        found.add(p.getFileName() + ": " + cmdline);
                    }
                } catch (IOException e) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }

}
