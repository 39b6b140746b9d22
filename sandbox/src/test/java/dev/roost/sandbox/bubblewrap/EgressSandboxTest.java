package dev.roost.sandbox.bubblewrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.sandbox.EgressConnection;
import dev.roost.sandbox.EgressConnection.Reason;
import dev.roost.sandbox.EgressSummary;
import dev.roost.sandbox.SandboxJob;
import dev.roost.sandbox.SandboxResult;
import dev.roost.sandbox.SandboxUnavailable;
import dev.roost.sandbox.egress.EgressProxy;
import dev.roost.sandbox.egress.EgressSettings;
import dev.roost.sandbox.egress.EgressSettings.Bridge;
import dev.roost.sandbox.egress.TestNetwork;
import dev.roost.sandbox.egress.TestUpstreams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Jobs with egress under real bubblewrap, through the real proxy and each bridge, to servers on
 * this machine. What the tests substitute: DNS and the last hop ({@link TestNetwork}): the test
 * names ({@code allowed.test}, …) resolve to a public address, and a connection to that address
 * is carried to a local server. Everything else is as on a node: the jail, its network
 * namespace with only {@code lo}, the bridge in it, the job's Unix socket, the proxy's checks.
 */
class EgressSandboxTest {
    static final String PUBLIC = "93.184.215.14";
    static final Duration WAIT = Duration.ofSeconds(60);

    private static TestUpstreams upstreams;
    private static TestNetwork network;
    private static final Map<Bridge, EgressProxy> proxies = new EnumMap<>(Bridge.class);
    private static final Map<Bridge, BubblewrapSandbox> sandboxes = new EnumMap<>(Bridge.class);
    private static byte[] client;

    @BeforeAll
    static void setUp() throws IOException {
        upstreams = new TestUpstreams();
        network = new TestNetwork()
                .name("allowed.test", PUBLIC)
                .name("api.allowed.test", PUBLIC)
                .name("denied.test", PUBLIC)
                .route(PUBLIC, 80, upstreams.http())
                .route(PUBLIC, 8443, upstreams.http())
                .route(PUBLIC, 443, upstreams.lines());
        try (InputStream in = EgressSandboxTest.class.getResourceAsStream("/egress-client.pl")) {
            client = in.readAllBytes();
        }
    }

    @AfterAll
    static void tearDown() throws IOException {
        proxies.values().forEach(EgressProxy::close);
        upstreams.close();
    }

    /** A sandbox whose jobs use this bridge, with the gateway on a local server. */
    static synchronized BubblewrapSandbox sandbox(Bridge bridge) {
        BubblewrapSandbox s = sandboxes.computeIfAbsent(bridge, b -> {
            EgressProxy proxy = new EgressProxy(EgressSettings.defaults().withBridge(b)
                    .withGateway(new EgressSettings.HostPort("127.0.0.1", upstreams.http().getPort())), network);
            proxies.put(b, proxy);
            return new BubblewrapSandbox(BubblewrapSettings.defaults(BubblewrapTestSupport.runRoot().resolve("egress-" + b)), proxy);
        });
        BubblewrapTestSupport.requireSandbox(s);
        assertThat(s.egressAvailable()).as(s.availability().summary()).isTrue();
        return s;
    }

    static SandboxResult run(BubblewrapSandbox sandbox, String script, String... allow) throws InterruptedException {
        SandboxJob job = SandboxJob.script("egress", script).withEgressAllow(List.of(allow))
                .withAttachments(Map.of("client.pl", client));
        return sandbox.start(job, (stream, chunk) -> { }).await(WAIT).orElseThrow(() -> new AssertionError("the job did not end"));
    }

    @ParameterizedTest
    @EnumSource(value = Bridge.class, names = {"PERL", "JAVA"})
    void the_job_sees_the_proxy_variables_and_nothing_else_changes(Bridge bridge) throws Exception {
        SandboxResult r = run(sandbox(bridge), "env | grep -i -e proxy -e roost_ | sort; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
                "allowed.test");

        assertThat(r.stdout().text().lines()).containsExactly(
                "HTTPS_PROXY=http://127.0.0.1:3128", "HTTP_PROXY=http://127.0.0.1:3128", "NO_PROXY=",
                "ROOST_GATEWAY_URL=http://gateway.roost.internal",
                "http_proxy=http://127.0.0.1:3128", "https_proxy=http://127.0.0.1:3128", "no_proxy=", "lo");
        assertThat(r.egress().enabled()).isTrue();
        assertThat(r.egress().total()).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = Bridge.class, names = {"PERL", "JAVA"})
    void an_allowed_host_is_reached_over_http_and_through_a_connect_tunnel(Bridge bridge) throws Exception {
        SandboxResult r = run(sandbox(bridge), """
                perl client.pl get 'http://allowed.test/hello?q=1' | tail -n 1
                perl client.pl connect allowed.test:443 | tail -n 1
                """, "allowed.test");

        assertThat(r.stderr().text()).isEmpty();
        assertThat(r.stdout().text()).isEqualTo(TestUpstreams.BODY + "PING\n");
        EgressSummary egress = r.egress();
        assertThat(egress.allowed()).isEqualTo(2);
        assertThat(egress.denied()).isZero();
        assertThat(egress.connections()).extracting(EgressConnection::kind, EgressConnection::host, EgressConnection::port)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(EgressConnection.Kind.HTTP, "allowed.test", 80),
                        org.assertj.core.groups.Tuple.tuple(EgressConnection.Kind.CONNECT, "allowed.test", 443));
        assertThat(egress.bytesReceived()).isGreaterThan(TestUpstreams.BODY.length() + 5);
        assertThat(egress.connections().get(1).bytesSent()).isEqualTo(5);
    }

    @Test
    void common_clients_use_the_proxy_from_the_environment() throws Exception {
        boolean curl = Files.isExecutable(Path.of("/usr/bin/curl"));
        boolean busybox = Files.isExecutable(Path.of("/bin/busybox"));
        Assumptions.assumeTrue(curl || busybox, "needs curl or busybox (apt-get install busybox-static)");
        StringBuilder script = new StringBuilder();
        int expected = 0;
        if (busybox) {
            script.append("busybox wget -q -O - http://allowed.test/wget\n");
            expected++;
        }
        if (curl) {
            // Plain HTTP, then HTTP inside a CONNECT tunnel (what https:// does, minus the TLS the test server lacks).
            script.append("curl -sS http://allowed.test/curl\n");
            script.append("curl -sS --proxytunnel http://api.allowed.test:8443/tunnel\n");
            script.append("curl -sS -o /dev/null -w '%{http_code}\\n' http://denied.test/\n");
            expected += 2;
        }

        SandboxResult r = run(sandbox(Bridge.PERL), script.toString(), "*.allowed.test", "allowed.test");

        assertThat(r.stderr().text()).isEmpty();
        assertThat(r.stdout().text()).isEqualTo(TestUpstreams.BODY.repeat(expected) + (curl ? "403\n" : ""));
        assertThat(r.egress().allowed()).isEqualTo(expected);
        assertThat(r.egress().denied()).isEqualTo(curl ? 1 : 0);
    }

    @ParameterizedTest
    @EnumSource(value = Bridge.class, names = {"PERL", "JAVA"})
    void the_gateway_is_reached_by_its_name(Bridge bridge) throws Exception {
        SandboxResult r = run(sandbox(bridge), "perl client.pl get \"$ROOST_GATEWAY_URL/v1/models\" | tail -n 1",
                EgressProxy.GATEWAY_HOST);

        assertThat(r.stdout().text()).isEqualTo(TestUpstreams.BODY);
        assertThat(r.egress().connections()).extracting(EgressConnection::reason).containsExactly(Reason.GATEWAY);
    }

    @Test
    void a_denied_request_gets_a_403_that_says_why() throws Exception {
        BubblewrapSandbox sandbox = sandbox(Bridge.PERL);
        int connectsBefore = network.connects.size();

        SandboxResult r = run(sandbox, "perl client.pl get http://denied.test/ | tr -d '\\r'", "allowed.test");

        assertThat(r.stdout().text()).startsWith("HTTP/1.1 403 Forbidden\n").contains("X-Roost-Egress: not-allowlisted\n")
                .contains("denied.test is not in this job's egress allowlist");
        assertThat(r.egress().denied()).isEqualTo(1);
        assertThat(network.connects).hasSize(connectsBefore);
    }

    @Test
    void a_job_with_egress_on_a_sandbox_without_a_proxy_is_refused_before_it_runs() {
        BubblewrapSandbox plain = BubblewrapTestSupport.sandbox("no-egress");
        BubblewrapTestSupport.requireSandbox(plain);

        assertThat(plain.egressAvailable()).isFalse();
        assertThatThrownBy(() -> plain.start(SandboxJob.script("egress", "true").withEgressAllow(List.of("allowed.test")),
                (stream, chunk) -> { }))
                .isInstanceOf(SandboxUnavailable.class).hasMessageContaining("has no egress proxy");
    }

    @Test
    void a_job_whose_bridge_cannot_start_does_not_run() {
        BubblewrapSandbox s = sandbox(Bridge.JAVA);
        // The JVM does not fit in 16 MiB: the bridge never says ready, and the job must not start without it.
        SandboxJob job = SandboxJob.script("egress", "echo ran").withEgressAllow(List.of("allowed.test"))
                .withLimits(dev.roost.sandbox.SandboxLimits.DEFAULT.withMemoryBytes(16L << 20));

        assertThatThrownBy(() -> s.start(job, (stream, chunk) -> { }).await(WAIT))
                .isInstanceOf(SandboxUnavailable.class).hasMessageContaining("the egress bridge did not start (java)")
                .hasMessageNotContaining("ran");
        assertThat(s.availability().usable()).isTrue();
        assertThat(proxies.get(Bridge.JAVA).totals().openSessions()).isZero();
    }

    @Test
    void the_bridge_counts_against_the_job_and_is_gone_with_it() throws Exception {
        BubblewrapSandbox s = sandbox(Bridge.PERL);
        SandboxResult r = run(s, "ls /proc | grep -cE '^[0-9]+$'", "allowed.test");

        // bubblewrap's init, the job's shell, the bridge, and ls/grep.
        assertThat(Integer.parseInt(r.stdout().text().strip())).isBetween(4, 6);
        try (var left = Files.list(s.settings().workRoot())) {
            assertThat(left.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith(".etc-") || n.equals(".bridge"));
        }
        assertThat(proxies.get(Bridge.PERL).totals().openSessions()).isZero();
    }
}
