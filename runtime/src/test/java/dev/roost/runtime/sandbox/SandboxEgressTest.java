package dev.roost.runtime.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.runtime.SecretSource;
import dev.roost.sandbox.egress.EgressNetwork;
import dev.roost.sandbox.egress.EgressProxy;
import dev.roost.sandbox.egress.EgressSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jails of instances reaching out through the node's real egress proxy, under real bubblewrap.
 * What the test substitutes is DNS and the last hop only: {@code allowed.test} and
 * {@code denied.test} resolve to a public address, and a connection to it is carried to an HTTP
 * server of this test on the loopback; the gateway is another such server. Inside the jail,
 * busybox nc talks HTTP to the proxy its own environment names.
 */
class SandboxEgressTest {
    private static final String PUBLIC = "93.184.215.14";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static HttpServer upstream;
    private static HttpServer gateway;
    private static EgressProxy proxy;
    private static SandboxRuntime runtime;
    private final List<UUID> instances = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        upstream = server("hello from upstream");
        gateway = server("hello from the gateway");
        EgressNetwork network = new EgressNetwork() {
            @Override
            public List<InetAddress> resolve(String host) throws UnknownHostException {
                if (host.equals("allowed.test") || host.equals("denied.test")) {
                    return List.of(InetAddress.getByName(PUBLIC));
                }
                return EgressNetwork.SYSTEM.resolve(host); // the gateway's 127.0.0.1
            }

            @Override
            public Socket connect(InetSocketAddress address, Duration timeout) throws IOException {
                InetSocketAddress to = address.getAddress().getHostAddress().equals(PUBLIC)
                        ? new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.getAddress().getPort()) : address;
                return EgressNetwork.SYSTEM.connect(to, timeout);
            }
        };
        proxy = new EgressProxy(EgressSettings.defaults()
                .withGateway(new EgressSettings.HostPort("127.0.0.1", gateway.getAddress().getPort())), network);
        runtime = new SandboxRuntime(SandboxTestSupport.settings("egress"), Optional.of(proxy));
    }

    private static HttpServer server(String body) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        s.start();
        return s;
    }

    @AfterAll
    static void tearDown() {
        if (runtime != null) {
            runtime.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        upstream.stop(0);
        gateway.stop(0);
    }

    @BeforeEach
    void sandboxWorks() {
        SandboxTestSupport.requireSandbox(runtime);
    }

    @AfterEach
    void cleanUp() {
        runtime.purge(instances);
    }

    private String create(Network.Egress egress, List<String> allow) {
        UUID id = UUID.randomUUID();
        instances.add(id);
        WorkloadSpec spec = new WorkloadSpec(id, "acme", "bot", 1, SandboxTestSupport.IMAGE, RuntimeSpec.PullPolicy.IF_NOT_PRESENT,
                List.of(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), OptionalLong.of(500), OptionalLong.of(64L << 20),
                WorkloadSpec.DEFAULT_PIDS_LIMIT, 1, List.of(), new Network(Network.Inbound.NONE, egress, allow, List.of()),
                Optional.empty());
        return runtime.apply(new RuntimeAction.CreateContainer(spec, 0, "test"), SecretSource.NONE).orElseThrow();
    }

    /**
     * Asks for {@code http://HOST/} from inside the jail, through the proxy its main process's
     * {@code HTTP_PROXY} names. With busybox nc: the static busybox's wget crashes on this machine.
     */
    private static String fetch(SandboxRuntime in, String id, String host) {
        String script = "for kv in $(tr '\\0' '\\n' < /proc/2/environ | grep ^HTTP_PROXY=); do export \"$kv\"; done; "
                + "hp=${HTTP_PROXY#http://}; printf 'GET http://" + host + "/ HTTP/1.0\\r\\nHost: " + host + "\\r\\n\\r\\n'"
                + " | nc -w 5 ${hp%:*} ${hp##*:} 2>&1";
        return in.exec(id, List.of("sh", "-c", script), Duration.ofSeconds(15)).output();
    }

    private static Map<String, String> environment(String id) {
        String out = runtime.exec(id, List.of("sh", "-c", "tr '\\0' '\\n' < /proc/2/environ"), Duration.ofSeconds(5)).output();
        Map<String, String> env = new TreeMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    @Test
    void restricted_reaches_its_allowed_host_and_the_gateway_and_nothing_else() {
        String id = create(Network.Egress.RESTRICTED, List.of("allowed.test"));

        assertThat(environment(id)).containsEntry("HTTP_PROXY", "http://127.0.0.1:3128").containsEntry("HTTPS_PROXY",
                "http://127.0.0.1:3128").containsEntry("ROOST_GATEWAY_URL", "http://gateway.roost.internal");
        assertThat(fetch(runtime, id, "allowed.test")).contains("hello from upstream").startsWith("HTTP/1.1 200");
        assertThat(fetch(runtime, id, "gateway.roost.internal")).contains("hello from the gateway").startsWith("HTTP/1.1 200");
        assertThat(fetch(runtime, id, "denied.test")).startsWith("HTTP/1.1 403").contains("X-Roost-Egress: not-allowlisted")
                .doesNotContain("hello");
    }

    @Test
    void gateway_only_reaches_the_gateway_only() {
        String id = create(Network.Egress.GATEWAY_ONLY, List.of());

        assertThat(fetch(runtime, id, "gateway.roost.internal")).contains("hello from the gateway").startsWith("HTTP/1.1 200");
        assertThat(fetch(runtime, id, "allowed.test")).startsWith("HTTP/1.1 403").doesNotContain("hello");
    }

    @Test
    void none_has_no_network_at_all() {
        String id = create(Network.Egress.NONE, List.of());

        assertThat(environment(id)).doesNotContainKeys("HTTP_PROXY", "ROOST_GATEWAY_URL");
        String out = runtime.exec(id, List.of("sh", "-c", "printf 'GET http://allowed.test/ HTTP/1.0\\r\\n\\r\\n'"
                + " | nc -w 3 127.0.0.1 3128 2>&1; echo \" exit=$?\""), Duration.ofSeconds(15)).output();
        assertThat(out).doesNotContain("hello").doesNotContain("HTTP/1.1").doesNotContain("exit=0");
    }

    @Test
    void a_restarted_server_gives_a_running_jail_its_egress_again() {
        String id = create(Network.Egress.RESTRICTED, List.of("allowed.test"));
        assertThat(fetch(runtime, id, "allowed.test")).contains("hello from upstream");

        // The first server goes away: its session closes, the relay stays with the jail.
        runtime.close();
        assertThat(fetch(runtime, id, "allowed.test")).doesNotContain("hello");

        try (SandboxRuntime restarted = new SandboxRuntime(runtime.settings(), Optional.of(proxy))) {
            assertThat(restarted.observe()).anySatisfy(c -> assertThat(c.containerId()).isEqualTo(id));
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(fetch(restarted, id, "allowed.test")).contains("hello from upstream").startsWith("HTTP/1.1 200"));
            assertThat(fetch(restarted, id, "denied.test")).contains("403");
        }
    }
}
