package dev.roost.sandbox.egress;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Servers on this machine's loopback that stand for hosts on the internet: an HTTP server
 * (answers {@code hello from upstream} and records each request it got) and a line server for
 * tunnels (answers each line upper-cased, as an opaque, TLS-like byte stream would be relayed).
 */
public final class TestUpstreams implements AutoCloseable {
    /** A request as the upstream saw it. */
    public record Seen(String method, String target, Map<String, List<String>> headers, byte[] body) {
    }

    public static final String BODY = "hello from upstream\n";

    private final HttpServer http;
    private final ServerSocket lines;
    public final List<Seen> seen = new CopyOnWriteArrayList<>();

    public TestUpstreams() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        http.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    Map.copyOf(exchange.getRequestHeaders()), body));
            byte[] answer = BODY.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        http.setExecutor(command -> Thread.ofVirtual().start(command));
        http.start();
        lines = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::serveLines);
    }

    public InetSocketAddress http() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), http.getAddress().getPort());
    }

    public InetSocketAddress lines() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), lines.getLocalPort());
    }

    private void serveLines() {
        while (!lines.isClosed()) {
            try {
                Socket s = lines.accept();
                Thread.ofVirtual().start(() -> {
                    try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                        OutputStream out = s.getOutputStream();
                        String line;
                        while ((line = in.readLine()) != null) {
                            out.write((line.toUpperCase(java.util.Locale.ROOT) + "\n").getBytes(StandardCharsets.UTF_8));
                            out.flush();
                        }
                    } catch (IOException e) {
                        // client gone
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        http.stop(0);
        lines.close();
    }
}
