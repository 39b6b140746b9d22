package dev.roost.sandbox.egress;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.roost.sandbox.EgressConnection;
import dev.roost.sandbox.EgressConnection.Decision;
import dev.roost.sandbox.EgressConnection.Reason;
import dev.roost.sandbox.EgressSummary;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The egress proxy on its own, spoken to over a job's Unix socket as the bridge in a jail would,
 * with the network substituted by {@link TestNetwork} (test names, routes to local upstreams).
 */
class EgressProxyTest {
    private static final String PUBLIC = "93.184.215.14";
    private static final String PUBLIC_6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c";

    private TestUpstreams upstreams;
    private TestNetwork network;
    private EgressProxy proxy;
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void setUp() throws IOException {
        upstreams = new TestUpstreams();
        network = new TestNetwork()
                .name("allowed.test", PUBLIC)
                .name("api.example.test", PUBLIC)
                .name("example.test", PUBLIC)
                .name("six.test", PUBLIC_6)
                .route(PUBLIC, 80, upstreams.http())
                .route(PUBLIC, 443, upstreams.lines())
                .route(PUBLIC_6, 80, upstreams.http());
        proxy = new EgressProxy(EgressSettings.defaults().withGateway(new EgressSettings.HostPort("127.0.0.1", upstreams.http().getPort())),
                network);
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(EgressSession.class)).addAppender(logs);
    }

    @AfterEach
    void tearDown() throws IOException {
        ((Logger) LoggerFactory.getLogger(EgressSession.class)).detachAppender(logs);
        proxy.close();
        upstreams.close();
    }

    private EgressSession session(String... allow) throws IOException {
        return proxy.open("job-1", List.of(allow), OptionalInt.empty(), OptionalInt.empty());
    }

    // ---- allowed ---------------------------------------------------------------------------

    @Test
    void a_plain_http_request_to_an_allowed_host_reaches_it_without_proxy_headers() throws Exception {
        try (EgressSession s = session("allowed.test")) {
            String answer = exchange(s, "GET http://allowed.test/hello?token=s3cr3t HTTP/1.1\r\nHost: allowed.test\r\n"
                    + "Proxy-Authorization: Basic czNjcjN0\r\nProxy-Connection: keep-alive\r\nAuthorization: Bearer s3cr3t\r\n"
                    + "Connection: keep-alive, X-Drop-Me\r\nX-Drop-Me: 1\r\nUser-Agent: t\r\n\r\n");

            assertThat(answer).startsWith("HTTP/1.1 200").endsWith(TestUpstreams.BODY);
            TestUpstreams.Seen seen = upstreams.seen.getFirst();
            assertThat(seen.target()).isEqualTo("/hello?token=s3cr3t");
            assertThat(seen.headers()).containsKeys("Authorization", "User-agent")
                    .doesNotContainKeys("Proxy-authorization", "Proxy-connection", "X-drop-me");
            assertThat(seen.headers().get("Host")).containsExactly("allowed.test");
            assertThat(network.connects).containsExactly(new InetSocketAddress(TestNetwork.address(PUBLIC), 80));

            EgressSummary summary = s.finish();
            assertThat(summary.allowed()).isEqualTo(1);
            assertThat(summary.denied()).isZero();
            EgressConnection c = summary.connections().getFirst();
            assertThat(c).extracting(EgressConnection::kind, EgressConnection::host, EgressConnection::port, EgressConnection::reason)
                    .containsExactly(EgressConnection.Kind.HTTP, "allowed.test", 80, Reason.ALLOWLISTED);
            assertThat(c.bytesSent()).isPositive();
            assertThat(c.bytesReceived()).isGreaterThan(TestUpstreams.BODY.length());
            assertThat(summary.bytesReceived()).isEqualTo(c.bytesReceived());
        }
        // The log names the host and the decision, never the path, the query or a header.
        assertThat(logLines()).hasSize(1);
        assertThat(logLines().getFirst()).contains("job=job-1", "allowed.test:80", "ALLOWED", "reason=allowlisted")
                .doesNotContain("hello", "s3cr3t", "czNjcjN0", "Bearer");
    }

    @Test
    void a_request_body_is_relayed() throws Exception {
        try (EgressSession s = session("allowed.test")) {
            String answer = exchange(s, "POST http://allowed.test/submit HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: 11\r\n"
                    + "Content-Type: text/plain\r\n\r\nhello world");

            assertThat(answer).startsWith("HTTP/1.1 200");
            assertThat(new String(upstreams.seen.getFirst().body(), StandardCharsets.UTF_8)).isEqualTo("hello world");
            assertThat(upstreams.seen.getFirst().method()).isEqualTo("POST");
        }
    }

    @Test
    void a_connect_tunnel_to_an_allowed_host_carries_bytes_both_ways() throws Exception {
        try (EgressSession s = session("allowed.test");
             SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.socket()))) {
            OutputStream out = Channels.newOutputStream(c);
            InputStream in = Channels.newInputStream(c);
            out.write("CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readHead(in)).startsWith("HTTP/1.1 200");
            out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(in)).isEqualTo("PING");
            out.write("pong\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(in)).isEqualTo("PONG");
            c.close();

            EgressSummary summary = s.finish();
            EgressConnection tunnel = summary.connections().getFirst();
            assertThat(tunnel.kind()).isEqualTo(EgressConnection.Kind.CONNECT);
            assertThat(tunnel.port()).isEqualTo(443);
            assertThat(tunnel.decision()).isEqualTo(Decision.ALLOWED);
            assertThat(tunnel.bytesSent()).isEqualTo(10);
            assertThat(tunnel.bytesReceived()).isEqualTo(10);
        }
    }

    @Test
    void a_wildcard_allows_names_below_the_domain_but_not_the_domain() throws Exception {
        try (EgressSession s = session("*.example.test")) {
            assertThat(exchange(s, get("api.example.test"))).startsWith("HTTP/1.1 200");
            assertThat(exchange(s, get("example.test"))).startsWith("HTTP/1.1 403");
        }
    }

    @Test
    void an_allowed_host_with_only_a_global_ipv6_address_is_reached() throws Exception {
        try (EgressSession s = session("six.test")) {
            assertThat(exchange(s, get("six.test"))).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void the_gateway_is_reached_on_its_loopback_address_by_its_reserved_name() throws Exception {
        try (EgressSession s = session(EgressProxy.GATEWAY_HOST)) {
            String answer = exchange(s, "POST http://gateway.roost.internal/v1/chat/completions HTTP/1.1\r\nHost: gateway.roost.internal\r\n"
                    + "Content-Length: 2\r\n\r\n{}");

            assertThat(answer).startsWith("HTTP/1.1 200");
            assertThat(upstreams.seen.getFirst().target()).isEqualTo("/v1/chat/completions");
            assertThat(s.finish().connections().getFirst().reason()).isEqualTo(Reason.GATEWAY);
        }
    }

    @Test
    void the_gateway_is_reached_by_any_job_with_egress_but_loopback_by_any_other_name_is_not() throws Exception {
        network.name("sneaky.test", "127.0.0.1");
        try (EgressSession s = session("allowed.test", "sneaky.test")) {
            assertThat(exchange(s, get(EgressProxy.GATEWAY_HOST))).startsWith("HTTP/1.1 200");
            String sneaky = exchange(s, "GET http://sneaky.test:" + upstreams.http().getPort() + "/ HTTP/1.1\r\n\r\n");
            assertThat(sneaky).startsWith("HTTP/1.1 403").contains("X-Roost-Egress: special-address");
        }
    }

    @Test
    void without_a_configured_gateway_its_name_is_refused() throws Exception {
        try (EgressProxy plain = new EgressProxy(EgressSettings.defaults(), network);
             EgressSession s = plain.open("job-2", List.of("allowed.test"), OptionalInt.empty(), OptionalInt.empty())) {
            assertThat(exchange(s, get(EgressProxy.GATEWAY_HOST))).startsWith("HTTP/1.1 403").contains("no model gateway");
        }
        assertThat(network.connects).isEmpty();
    }

    @Test
    void the_gateway_can_move_without_a_restart_and_new_connections_follow_it() throws Exception {
        try (EgressProxy moving = new EgressProxy(EgressSettings.defaults(), network);
             EgressSession s = moving.open("job-3", List.of("allowed.test"), OptionalInt.empty(), OptionalInt.empty())) {
            assertThat(exchange(s, get(EgressProxy.GATEWAY_HOST))).startsWith("HTTP/1.1 403").contains("no model gateway");

            moving.useGateway(java.util.Optional.of(new EgressSettings.HostPort("127.0.0.1", upstreams.http().getPort())));
            assertThat(exchange(s, get(EgressProxy.GATEWAY_HOST))).as("the session opened before the move").startsWith("HTTP/1.1 200");

            moving.useGateway(java.util.Optional.empty());
            assertThat(exchange(s, get(EgressProxy.GATEWAY_HOST))).startsWith("HTTP/1.1 403");
            assertThat(moving.settings().gateway()).isEmpty();
        }
        assertThat(upstreams.seen).hasSize(1);
    }

    // ---- denied ------------------------------------------------------------------------------

    @Test
    void a_host_outside_the_allowlist_gets_a_403_with_the_reason_and_nothing_is_connected() throws Exception {
        try (EgressSession s = session("allowed.test")) {
            String http = exchange(s, get("example.test"));
            String tunnel = exchange(s, "CONNECT example.test:443 HTTP/1.1\r\n\r\n");
            String literal = exchange(s, "GET http://" + PUBLIC + "/ HTTP/1.1\r\n\r\n");
            String literal6 = exchange(s, "CONNECT [" + PUBLIC_6 + "]:443 HTTP/1.1\r\n\r\n");

            for (String answer : List.of(http, tunnel, literal, literal6)) {
                assertThat(answer).startsWith("HTTP/1.1 403 Forbidden").contains("X-Roost-Egress: not-allowlisted")
                        .contains("not in this job's egress allowlist");
            }
            EgressSummary summary = s.finish();
            assertThat(summary.denied()).isEqualTo(4);
            assertThat(summary.allowed()).isZero();
            assertThat(summary.connections()).extracting(EgressConnection::reason).containsOnly(Reason.NOT_ALLOWLISTED);
        }
        assertThat(network.connects).isEmpty();
        assertThat(network.resolves).hasValue(0);
    }

    @Test
    void an_allowed_name_that_resolves_to_a_special_address_is_refused_every_time() throws Exception {
        List<String> special = List.of("10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "127.1.2.3", "169.254.169.254",
                "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1", "fd00::1",
                "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1");
        for (int i = 0; i < special.size(); i++) {
            network.name("host" + i + ".special.test", special.get(i));
        }
        network.name("mixed.special.test", PUBLIC, "10.0.0.1");
        try (EgressSession s = session("*.special.test")) {
            for (int i = 0; i < special.size(); i++) {
                assertThat(exchange(s, get("host" + i + ".special.test"))).as(special.get(i)).startsWith("HTTP/1.1 403")
                        .contains("X-Roost-Egress: special-address");
                assertThat(exchange(s, "CONNECT host" + i + ".special.test:443 HTTP/1.1\r\n\r\n")).as(special.get(i))
                        .startsWith("HTTP/1.1 403").contains("X-Roost-Egress: special-address");
            }
            assertThat(exchange(s, get("mixed.special.test"))).startsWith("HTTP/1.1 403").contains("X-Roost-Egress: special-address");
            assertThat(s.finish().denied()).isEqualTo(2L * special.size() + 1);
        }
        assertThat(network.connects).isEmpty();
    }

    @Test
    void the_proxy_connects_to_the_address_it_checked_and_resolves_once() throws Exception {
        try (EgressSession s = session("allowed.test")) {
            exchange(s, get("allowed.test"));
        }
        assertThat(network.resolves).hasValue(1);
        assertThat(network.connects).containsExactly(new InetSocketAddress(TestNetwork.address(PUBLIC), 80));
    }

    @Test
    void requests_the_proxy_does_not_serve_get_a_400() throws Exception {
        try (EgressSession s = session("allowed.test")) {
            List<String> bad = List.of(
                    "GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n",
                    "GET https://allowed.test/ HTTP/1.1\r\n\r\n",
                    "GET http://user:pw@allowed.test/ HTTP/1.1\r\n\r\n",
                    "CONNECT allowed.test HTTP/1.1\r\n\r\n",
                    "CONNECT allowed.test:99999 HTTP/1.1\r\n\r\n",
                    "GET http://allowed.test/ HTTP/2.0\r\n\r\n",
                    "GET http://allowed.test/ HTTP/1.1\r\nBad Header\r\n\r\n",
                    "GET http://allowed.test/ HTTP/1.1\r\nX: a\u0001b\r\n\r\n",
                    "GET http://bad_host!.test/ HTTP/1.1\r\n\r\n",
                    "GET http://allowed.test/ HTTP/1.1\r\nX: " + "a".repeat(20_000) + "\r\n\r\n",
                    "GET http://allowed.test/ HTTP/1.1\r\n" + "X: a\r\n".repeat(150) + "\r\n");
            for (String request : bad) {
                assertThat(exchange(s, request)).as(request.lines().findFirst().orElseThrow())
                        .startsWith("HTTP/1.1 400").contains("X-Roost-Egress: bad-request");
            }
            EgressSummary summary = s.finish();
            assertThat(summary.denied()).isEqualTo(bad.size());
            assertThat(summary.connections()).extracting(EgressConnection::host).doesNotContain("bad_host!.test");
        }
        assertThat(network.connects).isEmpty();
    }

    @Test
    void a_name_that_does_not_resolve_or_an_upstream_that_does_not_answer_gets_a_502() throws Exception {
        network.name("dark.test", "93.184.215.99");
        try (EgressSession s = session("nowhere.test", "dark.test")) {
            assertThat(exchange(s, get("nowhere.test"))).startsWith("HTTP/1.1 502").contains("X-Roost-Egress: unresolvable");
            assertThat(exchange(s, get("dark.test"))).startsWith("HTTP/1.1 502").contains("X-Roost-Egress: upstream-unreachable");
            EgressSummary summary = s.finish();
            assertThat(summary.failed()).isEqualTo(2);
            assertThat(summary.connections()).extracting(EgressConnection::decision).containsOnly(Decision.FAILED);
        }
    }

    // ---- bounds ------------------------------------------------------------------------------

    @Test
    void a_job_that_sends_no_request_head_in_time_is_cut_off() throws Exception {
        try (EgressProxy quick = new EgressProxy(EgressSettings.defaults().withTimeouts(Duration.ofMillis(300), Duration.ofMinutes(1)),
                network);
             EgressSession s = quick.open("job-3", List.of("allowed.test"), OptionalInt.empty(), OptionalInt.empty());
             SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.socket()))) {
            c.write(java.nio.ByteBuffer.wrap("GET http://allowed.test/ HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)));
            long t0 = System.nanoTime();
            assertThat(readAll(Channels.newInputStream(c))).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void an_idle_tunnel_is_closed_and_still_counted() throws Exception {
        try (EgressProxy quick = new EgressProxy(EgressSettings.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(400)),
                network);
             EgressSession s = quick.open("job-4", List.of("allowed.test"), OptionalInt.empty(), OptionalInt.empty());
             SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.socket()))) {
            InputStream in = Channels.newInputStream(c);
            c.write(java.nio.ByteBuffer.wrap("CONNECT allowed.test:443 HTTP/1.1\r\n\r\nhi\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(readHead(in)).startsWith("HTTP/1.1 200");
            assertThat(readLine(in)).isEqualTo("HI");
            assertThat(readAll(in)).isEmpty(); // then nothing moves, and the proxy closes
            awaitCount(s, 1);
            assertThat(s.summary().connections().getFirst().bytesReceived()).isEqualTo(3);
        }
    }

    @Test
    void a_job_has_a_bounded_number_of_connections() throws Exception {
        try (EgressProxy few = new EgressProxy(EgressSettings.defaults().withMaxConnectionsPerJob(2), network);
             EgressSession s = few.open("job-5", List.of("allowed.test"), OptionalInt.empty(), OptionalInt.empty());
             SocketChannel a = tunnel(s);
             SocketChannel b = tunnel(s)) {
            String third = exchange(s, get("allowed.test"));

            assertThat(third).startsWith("HTTP/1.1 403").contains("X-Roost-Egress: too-many-connections");
            a.close();
            awaitCount(s, 2);
            assertThat(exchange(s, get("allowed.test"))).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void a_flood_of_connections_holds_at_most_twice_the_limit() throws Exception {
        List<SocketChannel> flood = new java.util.ArrayList<>();
        try (EgressProxy few = new EgressProxy(EgressSettings.defaults().withMaxConnectionsPerJob(3), network);
             EgressSession s = few.open("job-6", List.of("allowed.test"), OptionalInt.empty(), OptionalInt.empty())) {
            for (int i = 0; i < 20; i++) {
                flood.add(SocketChannel.open(UnixDomainSocketAddress.of(s.socket()))); // connect, never ask
            }
            awaitCount(s, 14);
            assertThat(s.summary().connections()).extracting(EgressConnection::reason).containsOnly(Reason.TOO_MANY_CONNECTIONS);
            assertThat(Files.list(Path.of("/proc/self/fd")).count()).isLessThan(200);
        } finally {
            for (SocketChannel c : flood) {
                c.close();
            }
        }
    }

    @Test
    void finishing_a_session_ends_its_open_tunnels_and_removes_its_socket() throws Exception {
        EgressSession s = session("allowed.test");
        Path socket = s.socket();
        try (SocketChannel open = tunnel(s)) {
            EgressSummary summary = s.finish();

            assertThat(summary.allowed()).isEqualTo(1);
            assertThat(readAll(Channels.newInputStream(open))).isEmpty();
        }
        assertThat(socket).doesNotExist();
        assertThat(proxy.totals().openSessions()).isZero();
        assertThat(proxy.totals().allowed()).isEqualTo(1);
    }

    @Test
    void the_list_of_connections_is_bounded_but_every_one_is_counted() throws Exception {
        try (EgressSession s = session("allowed.test")) {
            int n = EgressSummary.MAX_LISTED + 5;
            for (int i = 0; i < n; i++) {
                exchange(s, "CONNECT denied.test:443 HTTP/1.1\r\n\r\n");
            }
            EgressSummary summary = s.finish();
            assertThat(summary.denied()).isEqualTo(n);
            assertThat(summary.connections()).hasSize(EgressSummary.MAX_LISTED);
            assertThat(summary.unlisted()).isEqualTo(5);
        }
    }

    @Test
    void socket_files_are_only_for_their_owner() throws Exception {
        try (EgressSession s = session("allowed.test")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(s.socket())))
                    .isEqualTo("rw-------");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(s.socket().getParent())))
                    .isEqualTo("rwx--x--x");
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static String get(String host) {
        return "GET http://" + host + "/ HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    }

    private List<String> logLines() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static void awaitCount(EgressSession s, long n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (s.summary().total() < n && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(s.summary().total()).isEqualTo(n);
    }

    private static SocketChannel tunnel(EgressSession s) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(s.socket()));
        c.write(java.nio.ByteBuffer.wrap("CONNECT allowed.test:443 HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(readHead(Channels.newInputStream(c))).startsWith("HTTP/1.1 200");
        return c;
    }

    /** Sends a request and reads the whole answer, until the proxy closes. */
    private static String exchange(EgressSession s, String request) throws Exception {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.socket()))) {
            OutputStream out = Channels.newOutputStream(c);
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return readAll(Channels.newInputStream(c));
        }
    }

    private static String readAll(InputStream in) throws Exception {
        CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, r -> Thread.ofVirtual().start(r));
        return f.get(20, TimeUnit.SECONDS);
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.append((char) c);
        }
        return b.toString();
    }
}
