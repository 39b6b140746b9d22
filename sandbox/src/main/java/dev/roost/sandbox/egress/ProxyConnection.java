package dev.roost.sandbox.egress;

import dev.roost.sandbox.EgressConnection;
import dev.roost.sandbox.EgressConnection.Decision;
import dev.roost.sandbox.EgressConnection.Kind;
import dev.roost.sandbox.EgressConnection.Reason;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection from a job, on its own virtual thread: read the request head, decide, connect
 * to the checked address, then relay bytes both ways until both sides are done, an error, or the
 * idle timeout ({@link EgressProxy}'s watchdog calls {@link #expire()}). Records exactly one
 * {@link EgressConnection} when it ends.
 */
final class ProxyConnection implements Runnable {
    /** Headers that belong to the hop between the job and the proxy, never forwarded. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "proxy-connection", "keep-alive", "proxy-authorization",
            "proxy-authenticate", "te", "trailer", "upgrade", "host");
    private static final int CHUNK = 16 * 1024;

    private final EgressSession session;
    private final SocketChannel client;
    private final boolean admitted;
    private final Instant startedAt = Instant.now();
    private final long started = System.nanoTime();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private volatile long deadline;
    private volatile Socket upstream;
    private volatile boolean expired;

    ProxyConnection(EgressSession session, SocketChannel client, boolean admitted) {
        this.session = session;
        this.client = client;
        this.admitted = admitted;
        this.deadline = System.nanoTime() + session.settings().headerTimeout().toNanos();
    }

    /** Within the job's connection limit; a connection beyond it only gets its 403. */
    boolean admitted() {
        return admitted;
    }

    /** When the watchdog closes this connection unless it moves bytes before. */
    long deadline() {
        return deadline;
    }

    /** Closes both sides: the job took too long to ask, or the connection sat idle. */
    void expire() {
        expired = true;
        closeQuietly();
    }

    void closeQuietly() {
        try {
            client.close();
        } catch (IOException e) {
            // closing anyway
        }
        Socket u = upstream;
        if (u != null) {
            try {
                u.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private void touch() {
        deadline = System.nanoTime() + session.settings().idleTimeout().toNanos();
    }

    @Override
    public void run() {
        Kind kind = Kind.HTTP;
        String host = "?";
        int port = 0;
        Reason reason = Reason.BAD_REQUEST;
        try {
            InputStream in = new BufferedInputStream(Channels.newInputStream(client), CHUNK);
            OutputStream out = Channels.newOutputStream(client);
            RequestHead head;
            try {
                head = RequestHead.read(in, session.settings().maxHeaderBytes());
            } catch (RequestHead.BadRequest e) {
                answer(out, 400, "Bad Request", Reason.BAD_REQUEST, e.getMessage());
                return;
            }
            kind = head.isConnect() ? Kind.CONNECT : Kind.HTTP;
            host = head.host();
            port = head.port();
            if (!admitted) {
                reason = Reason.TOO_MANY_CONNECTIONS;
                answer(out, 403, "Forbidden", reason, "this job has " + session.settings().maxConnectionsPerJob()
                        + " connections open, as many as it may");
                return;
            }
            Decided decided = decide(head);
            reason = decided.reason;
            if (decided.reason.decision() != Decision.ALLOWED) {
                answer(out, decided.status, decided.statusText, decided.reason, decided.message);
                return;
            }
            Socket up = connect(decided.addresses, decided.port);
            if (up == null) {
                reason = Reason.UPSTREAM_UNREACHABLE;
                answer(out, 502, "Bad Gateway", reason, "no address of " + host + " accepted a connection on port " + decided.port);
                return;
            }
            upstream = up;
            if (expired) {
                return;
            }
            touch();
            OutputStream upOut = up.getOutputStream();
            if (head.isConnect()) {
                out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } else {
                byte[] rewritten = originHead(head, decided.hostHeader).getBytes(StandardCharsets.ISO_8859_1);
                upOut.write(rewritten);
                upOut.flush();
                sent.addAndGet(rewritten.length);
            }
            relay(in, out, up);
        } catch (EOFException e) {
            // The job connected and closed without asking: nothing to record but that.
        } catch (IOException e) {
            // The job or the upstream went away, or the watchdog closed us; the counts say how far it got.
        } finally {
            closeQuietly();
            session.finished(this, new EgressConnection(startedAt, kind, host, port, reason.decision(), reason, sent.get(),
                    received.get(), Duration.ofNanos(System.nanoTime() - started)));
        }
    }

    private record Decided(Reason reason, int status, String statusText, String message, List<InetAddress> addresses, int port,
                           String hostHeader) {
        static Decided no(Reason reason, int status, String statusText, String message) {
            return new Decided(reason, status, statusText, message, List.of(), 0, "");
        }
    }

    private Decided decide(RequestHead head) {
        String host = head.host();
        Optional<EgressSettings.HostPort> gateway = session.settings().gateway();
        if (host.equals(EgressProxy.GATEWAY_HOST)) {
            if (gateway.isEmpty()) {
                return Decided.no(Reason.NOT_ALLOWLISTED, 403, "Forbidden", "this node has no model gateway configured");
            }
            try {
                // The operator's own address: private and loopback are fine here, and only here.
                List<InetAddress> addresses = resolve(gateway.get().host());
                return new Decided(Reason.GATEWAY, 0, "", "", addresses, gateway.get().port(), gateway.get().toString());
            } catch (UnknownHostException e) {
                return Decided.no(Reason.UNRESOLVABLE, 502, "Bad Gateway", "the node's model gateway does not resolve");
            }
        }
        if (head.literal() || !session.allowlist().allows(host)) {
            return Decided.no(Reason.NOT_ALLOWLISTED, 403, "Forbidden", host + " is not in this job's egress allowlist");
        }
        List<InetAddress> addresses;
        try {
            addresses = resolve(host);
        } catch (UnknownHostException e) {
            return Decided.no(Reason.UNRESOLVABLE, 502, "Bad Gateway", host + " does not resolve");
        }
        if (addresses.isEmpty()) {
            return Decided.no(Reason.UNRESOLVABLE, 502, "Bad Gateway", host + " does not resolve");
        }
        for (InetAddress a : addresses) {
            Optional<String> why = SpecialAddresses.why(a);
            if (why.isPresent()) {
                // One special address among public ones refuses the name: a name that points inside
                // the node's network is not one a job should use at all.
                return Decided.no(Reason.SPECIAL_ADDRESS, 403, "Forbidden",
                        host + " resolves to a " + why.get() + " address, which jobs never reach");
            }
        }
        String hostHeader = head.port() == 80 ? host : host + ":" + head.port();
        return new Decided(Reason.ALLOWLISTED, 0, "", "", addresses, head.port(), hostHeader);
    }

    /** Resolves within the resolve timeout, on a virtual thread of its own (the system resolver cannot be interrupted). */
    private List<InetAddress> resolve(String host) throws UnknownHostException {
        CompletableFuture<List<InetAddress>> f = new CompletableFuture<>();
        Thread.ofVirtual().name("roost-egress-resolve").start(() -> {
            try {
                f.complete(List.copyOf(session.network().resolve(host)));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(session.settings().resolveTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new UnknownHostException(host);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnknownHostException(host);
        }
    }

    /** Connects to the first of (at most three of) the checked addresses that answers. */
    private Socket connect(List<InetAddress> addresses, int port) {
        for (InetAddress a : addresses.subList(0, Math.min(3, addresses.size()))) {
            if (expired) {
                return null;
            }
            try {
                return session.network().connect(new InetSocketAddress(a, port), session.settings().connectTimeout());
            } catch (IOException e) {
                // try the next
            }
        }
        return null;
    }

    /** The head sent upstream: origin-form target, no hop-by-hop fields, the host asked for, one request per connection. */
    private static String originHead(RequestHead head, String hostHeader) {
        StringBuilder b = new StringBuilder(512);
        b.append(head.method()).append(' ').append(head.path()).append(' ').append(head.version()).append("\r\n");
        b.append("Host: ").append(hostHeader).append("\r\n");
        Set<String> listedInConnection = new java.util.HashSet<>();
        for (String[] h : head.headers()) {
            if (h[0].equalsIgnoreCase("connection") || h[0].equalsIgnoreCase("proxy-connection")) {
                for (String token : h[1].split(",")) {
                    listedInConnection.add(token.strip().toLowerCase(Locale.ROOT));
                }
            }
        }
        for (String[] h : head.headers()) {
            String name = h[0].toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !listedInConnection.contains(name)) {
                b.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
        }
        b.append("Connection: close\r\n\r\n");
        return b.toString();
    }

    /** Copies both ways until both directions have ended; each end is passed on as a half-close. */
    private void relay(InputStream clientIn, OutputStream clientOut, Socket up) throws IOException {
        InputStream upIn = up.getInputStream();
        OutputStream upOut = up.getOutputStream();
        Thread upload = Thread.ofVirtual().name("roost-egress-upload").start(() -> {
            try {
                copy(clientIn, upOut, sent);
                up.shutdownOutput();
            } catch (IOException e) {
                closeQuietly();
            }
        });
        try {
            copy(upIn, clientOut, received);
            client.shutdownOutput();
        } catch (IOException e) {
            closeQuietly();
        }
        try {
            upload.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void copy(InputStream from, OutputStream to, AtomicLong counter) throws IOException {
        byte[] buffer = new byte[CHUNK];
        int n;
        while ((n = from.read(buffer)) >= 0) {
            touch();
            to.write(buffer, 0, n);
            to.flush();
            counter.addAndGet(n);
        }
    }

    /** A short answer from the proxy itself, then the connection closes. */
    private static void answer(OutputStream out, int status, String text, Reason reason, String message) throws IOException {
        byte[] body = ("Roost egress proxy: " + message + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + text + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "X-Roost-Egress: " + reason.code() + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }
}
