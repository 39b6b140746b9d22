package dev.roost.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's HTTP/1.1 client against a server on raw sockets: each way an answer can be
 * framed, keep-alive reuse, a pooled connection the server closed while idle, an answer read
 * only in part, a slow head, and header values that try to add headers.
 */
class UpstreamClientTest {
    private final UpstreamClient client = new UpstreamClient(Duration.ofSeconds(2), Duration.ofSeconds(5));
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final java.util.concurrent.CountDownLatch closedByClient = new java.util.concurrent.CountDownLatch(1);
    private ServerSocket server;

    @AfterEach
    void close() throws IOException {
        client.close();
        if (server != null) {
            server.close();
        }
        for (Socket s : sockets) {
            s.close();
        }
    }

    /** A server that answers each request on a connection with {@code answer.apply(connectionRequestNumber, request)}. */
    private URI serve(BiFunction<Integer, String, String> answer) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> handle(s, answer));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/chat/completions?x=1");
    }

    private void handle(Socket s, BiFunction<Integer, String, String> answer) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int n = 1; ; n++) {
                String request = readRequest(in);
                if (request == null) {
                    closedByClient.countDown();
                    return;
                }
                requests.add(request);
                String reply = answer.apply(n, request);
                if (reply == null) {
                    return; // close without answering
                }
                if (reply.startsWith("SLEEP ")) {
                    Thread.sleep(Long.parseLong(reply.substring(6)));
                    return;
                }
                out.write(reply.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (reply.contains("connection: close")) {
                    return;
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                String text = head.toString(StandardCharsets.UTF_8);
                int at = text.toLowerCase().indexOf("content-length: ");
                int length = Integer.parseInt(text.substring(at + 16, text.indexOf('\r', at)));
                return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private HttpResponse<InputStream> send(URI uri, String... headers) throws IOException {
        List<String[]> list = new java.util.ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) {
            list.add(new String[] {headers[i], headers[i + 1]});
        }
        return client.send(new UpstreamClient.Request(uri, list, "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8)),
                Duration.ofSeconds(2).toNanos());
    }

    private static String body(HttpResponse<InputStream> r) throws IOException {
        try (InputStream in = r.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void answersFramedByLengthAndByChunksReuseTheConnection() throws Exception {
        URI uri = serve((n, request) -> n % 2 == 1
                ? "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nx-request-id: r" + n
                        + "\r\n\r\n{\"ok\":true}"
                : "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                        + "7;ext=1\r\ndata: a\r\n2\r\n\n\n\r\n0\r\ntrailer: x\r\n\r\n");
        HttpResponse<InputStream> first = send(uri, "authorization", "Bearer k");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(first.headers().firstValue("x-request-id")).contains("r1");
        assertThat(body(first)).isEqualTo("{\"ok\":true}");
        assertThat(body(send(uri))).isEqualTo("data: a\n\n");
        assertThat(body(send(uri))).isEqualTo("{\"ok\":true}");
        assertThat(connections.get()).as("one keep-alive connection for all three").isEqualTo(1);
        String request = requests.poll(1, TimeUnit.SECONDS);
        assertThat(request).startsWith("POST /v1/chat/completions?x=1 HTTP/1.1\r\nhost: 127.0.0.1:")
                .contains("\r\ncontent-length: 13\r\n").contains("\r\nauthorization: Bearer k\r\n").endsWith("{\"model\":\"m\"}");
    }

    @Test
    void anAnswerToTheEndOfTheConnectionAndAConnectionCloseAreNotReused() throws Exception {
        URI uri = serve((n, request) -> "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{}");
        assertThat(body(send(uri))).isEqualTo("{}");
        assertThat(body(send(uri))).isEqualTo("{}");
        assertThat(connections.get()).isEqualTo(2);
    }

    @Test
    void aPooledConnectionTheServerClosedIsReplacedOnce() throws Exception {
        // Each connection answers its first request, then closes when the next one arrives.
        URI uri = serve((n, request) -> n == 1 ? "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok" : null);
        assertThat(body(send(uri))).isEqualTo("ok");
        assertThat(body(send(uri))).as("sent again on a new connection").isEqualTo("ok");
        assertThat(connections.get()).isEqualTo(2);
    }

    @Test
    void aNewConnectionClosedWithoutAnAnswerFails() throws Exception {
        URI uri = serve((n, request) -> null);
        assertThatThrownBy(() -> send(uri)).isInstanceOf(IOException.class).hasMessageContaining("without answering");
    }

    @Test
    void aBodyClosedEarlyClosesTheConnectionSoTheServerSeesTheCancel() throws Exception {
        URI uri = serve((n, request) -> "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n");
        HttpResponse<InputStream> r = send(uri);
        assertThat(new String(r.body().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("hello");
        r.body().close();
        assertThat(closedByClient.await(5, TimeUnit.SECONDS)).as("the server sees the connection closed").isTrue();
    }

    @Test
    void anAnswerCutShortIsAnError() throws Exception {
        URI uri = serve((n, request) -> "HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\nshort");
        HttpResponse<InputStream> r = send(uri);
        assertThatThrownBy(() -> r.body().readAllBytes()).isInstanceOf(IOException.class).hasMessageContaining("before");
    }

    @Test
    void aSlowHeadTimesOut() throws Exception {
        URI uri = serve((n, request) -> "SLEEP 3000");
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.send(new UpstreamClient.Request(uri, List.of(), new byte[0]),
                Duration.ofMillis(300).toNanos())).isInstanceOf(SocketTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void headerValuesCannotAddHeaders() throws Exception {
        URI uri = serve((n, request) -> "HTTP/1.1 204 No Content\r\n\r\n");
        HttpResponse<InputStream> r = send(uri, "user-agent", "x\r\nx-injected: yes", "accept", "text/event-stream");
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(body(r)).isEmpty();
        String request = requests.poll(1, TimeUnit.SECONDS);
        assertThat(request).doesNotContain("x-injected").contains("\r\naccept: text/event-stream\r\n");
    }

    @Test
    void httpsChecksTheCertificateAndTheHostName(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path store = dir.resolve("server.p12");
        char[] password = "changeit".toCharArray();
        Process keytool = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "s", "-keyalg", "EC", "-dname", "CN=roost-test", "-ext", "san=ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0)
                .as(new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isTrue();
        java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(store)) {
            keys.load(in, password);
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, password);
        javax.net.ssl.SSLContext serverTls = javax.net.ssl.SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(keys);
        javax.net.ssl.SSLContext clientTls = javax.net.ssl.SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        server = serverTls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> handle(s, (n, r) -> "HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecret"));
                } catch (IOException e) {
                    return;
                }
            }
        });
        int port = server.getLocalPort();
        try (UpstreamClient trusting = new UpstreamClient(Duration.ofSeconds(5), Duration.ofSeconds(30), clientTls)) {
            for (int i = 0; i < 2; i++) {
                HttpResponse<InputStream> r = trusting.send(new UpstreamClient.Request(URI.create("https://127.0.0.1:" + port
                        + "/v1/messages"), List.of(), new byte[0]), Duration.ofSeconds(30).toNanos());
                assertThat(body(r)).isEqualTo("secret");
            }
            assertThat(connections.get()).as("one TLS connection, kept alive").isEqualTo(1);
            assertThatThrownBy(() -> trusting.send(new UpstreamClient.Request(URI.create("https://localhost:" + port
                    + "/v1/messages"), List.of(), new byte[0]), Duration.ofSeconds(30).toNanos()))
                    .as("the certificate names 127.0.0.1, not localhost").isInstanceOf(javax.net.ssl.SSLException.class);
        }
        assertThatThrownBy(() -> client.send(new UpstreamClient.Request(URI.create("https://127.0.0.1:" + port
                + "/v1/messages"), List.of(), new byte[0]), Duration.ofSeconds(30).toNanos()))
                .as("the JDK's trust store does not know this certificate").isInstanceOf(javax.net.ssl.SSLException.class);
    }

    @Test
    void onlyHttpAndHttpsUrls() {
        assertThatThrownBy(() -> new UpstreamClient.Request(URI.create("ftp://example.com/x"), List.of(), new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UpstreamClient.Request(URI.create("/relative"), List.of(), new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
