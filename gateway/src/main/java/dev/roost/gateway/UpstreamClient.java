package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * HTTP/1.1 to model providers on the calling thread: the request is written and the answer read
 * on the request's own (virtual) thread over a pooled keep-alive connection, plain or TLS. The
 * JDK's {@code java.net.http} client hands every exchange between its selector thread, its
 * executor and the caller, which cost more CPU and wake-ups per request than the gateway's whole
 * remaining work; a blocking socket on a virtual thread costs one wake-up per read.
 *
 * <p>Answers are framed by Content-Length, chunked encoding or the end of the connection. A
 * connection goes back to the pool only when its answer was read to the end; closing an answer
 * early (a client that went away) closes the connection, which is how the provider learns that
 * the request was cancelled. A request on a pooled connection that the provider had closed while
 * it was idle (nothing at all came back) is sent once more on a new connection. Thread-safe.
 */
final class UpstreamClient implements AutoCloseable {
    /** Idle connections kept per provider address. */
    private static final int MAX_IDLE = 256;
    /**
     * Idle connections older than this are not reused (the JDK's own client keeps them as long).
     * A server that closed one sooner costs one more connection: see {@link StaleConnection}.
     */
    private static final long MAX_IDLE_NANOS = Duration.ofSeconds(30).toNanos();
    private static final int MAX_HEAD_LINE = 64 * 1024;
    private static final int MAX_HEADERS = 256;

    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final ConcurrentHashMap<String, Idle> idle = new ConcurrentHashMap<>();
    private volatile SSLContext tls;

    /**
     * @param readTimeout the longest silence tolerated between two reads of an answer's body
     */
    UpstreamClient(Duration connectTimeout, Duration readTimeout) {
        this(connectTimeout, readTimeout, null);
    }

    /** With the TLS context to use (tests trust their own certificate); null: the JDK's default. */
    UpstreamClient(Duration connectTimeout, Duration readTimeout, SSLContext tls) {
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
        this.tls = tls;
    }

    /** A request to send: absolute {@code http} or {@code https} URL, headers (names in lower case), body. */
    record Request(URI uri, List<String[]> headers, byte[] body) {
        Request {
            requireNonNull(uri, "uri is null");
            String scheme = uri.getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http or https URL: " + uri);
            }
        }
    }

    /**
     * Sends the request and waits at most {@code timeoutNanos} for the answer's status and
     * headers; the body is left to read. Throws {@link SocketTimeoutException} when the wait runs
     * out (the connection is closed), another {@link IOException} when the exchange fails.
     */
    HttpResponse<InputStream> send(Request request, long timeoutNanos) throws IOException {
        URI uri = request.uri();
        boolean secure = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : secure ? 443 : 80;
        String origin = (secure ? "https://" : "http://") + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
        byte[] head = head(request, uri, secure, port);
        long deadline = System.nanoTime() + timeoutNanos;
        Connection pooled = take(origin);
        if (pooled != null) {
            try {
                return pooled.exchange(head, request.body(), deadline);
            } catch (StaleConnection e) {
                pooled.close(); // the provider closed it while it was idle: once more on a new connection
            } catch (IOException | RuntimeException e) {
                pooled.close();
                throw e;
            }
        }
        Connection fresh = connect(origin, uri.getHost(), port, secure, deadline);
        try {
            return fresh.exchange(head, request.body(), deadline);
        } catch (StaleConnection e) {
            fresh.close();
            throw new IOException("the provider closed the connection without answering");
        } catch (IOException | RuntimeException e) {
            fresh.close();
            throw e;
        }
    }

    private static byte[] head(Request request, URI uri, boolean secure, int port) {
        StringBuilder b = new StringBuilder(256);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        b.append("POST ").append(path);
        if (uri.getRawQuery() != null) {
            b.append('?').append(uri.getRawQuery());
        }
        b.append(" HTTP/1.1\r\nhost: ").append(uri.getHost());
        if (port != (secure ? 443 : 80)) {
            b.append(':').append(port);
        }
        b.append("\r\ncontent-length: ").append(request.body().length).append("\r\n");
        for (String[] h : request.headers()) {
            if (safe(h[0]) && safe(h[1])) {
                b.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
        }
        return b.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** No line breaks or NULs: a header value from a client must not add headers of its own. */
    private static boolean safe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return false;
            }
        }
        return true;
    }

    /** The idle connections to one provider address, most recently used first. */
    private static final class Idle {
        final ConcurrentLinkedDeque<Connection> connections = new ConcurrentLinkedDeque<>();
        final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

        Connection poll() {
            Connection c = connections.pollFirst();
            if (c != null) {
                count.decrementAndGet();
            }
            return c;
        }
    }

    private Connection take(String origin) {
        Idle pool = idle.get(origin);
        if (pool == null) {
            return null;
        }
        long now = System.nanoTime();
        Connection c;
        while ((c = pool.poll()) != null) {
            if (now - c.idleSince < MAX_IDLE_NANOS) {
                return c;
            }
            c.close();
        }
        return null;
    }

    private void giveBack(Connection c) {
        Idle pool = idle.computeIfAbsent(c.origin, o -> new Idle());
        c.idleSince = System.nanoTime();
        pool.connections.addFirst(c);
        int count = pool.count.incrementAndGet();
        // The least recently used one goes when there are too many, or when it has idled too long.
        Connection oldest = pool.connections.peekLast();
        if (oldest != null && oldest != c && (count > MAX_IDLE || c.idleSince - oldest.idleSince > MAX_IDLE_NANOS)
                && pool.connections.removeLastOccurrence(oldest)) {
            pool.count.decrementAndGet();
            oldest.close();
        }
    }

    private Connection connect(String origin, String host, int port, boolean secure, long deadline) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            int timeout = (int) Math.max(1, Math.min(connectTimeoutMillis, (deadline - System.nanoTime()) / 1_000_000));
            socket.connect(new InetSocketAddress(host, port), timeout);
            if (secure) {
                SSLSocket tlsSocket = (SSLSocket) tls().getSocketFactory().createSocket(socket, host, port, true);
                SSLParameters parameters = tlsSocket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                parameters.setApplicationProtocols(new String[] {"http/1.1"});
                tlsSocket.setSSLParameters(parameters);
                // The handshake is bounded by the wait for the answer, like the rest of the exchange.
                tlsSocket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000)));
                tlsSocket.startHandshake();
                socket = tlsSocket;
            }
            return new Connection(origin, socket);
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw e;
        }
    }

    private SSLContext tls() throws IOException {
        SSLContext context = tls;
        if (context == null) {
            try {
                context = SSLContext.getDefault();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException("no TLS available", e);
            }
            tls = context;
        }
        return context;
    }

    @Override
    public void close() {
        idle.values().forEach(pool -> {
            Connection c;
            while ((c = pool.poll()) != null) {
                c.close();
            }
        });
    }

    /** Nothing came back on a pooled connection: the provider had closed it. */
    private static final class StaleConnection extends IOException {
        StaleConnection() {
            super("the pooled connection was closed by the provider", null);
        }
    }

    /** One keep-alive connection; used by one exchange at a time. */
    private final class Connection {
        final String origin;
        final Socket socket;
        final BufferedInputStream in;
        final OutputStream out;
        long idleSince;
        private final byte[] line = new byte[256];

        Connection(String origin, Socket socket) throws IOException {
            this.origin = origin;
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 8 * 1024);
            this.out = socket.getOutputStream();
        }

        HttpResponse<InputStream> exchange(byte[] head, byte[] body, long deadline) throws IOException {
            if (body.length <= 16 * 1024) {
                byte[] all = new byte[head.length + body.length]; // one write, one packet for a small request
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(body, 0, all, head.length, body.length);
                write(all);
            } else {
                write(head);
                write(body);
            }
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("no answer in time");
                }
                socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
                String status = readLine(true);
                if (status == null) {
                    throw new StaleConnection();
                }
                if (!status.startsWith("HTTP/1.") || status.length() < 12) {
                    throw new IOException("the provider did not answer in HTTP/1.1");
                }
                int code;
                try {
                    code = Integer.parseInt(status, 9, 12, 10);
                } catch (NumberFormatException e) {
                    throw new IOException("the provider's status line is malformed");
                }
                Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                String header;
                int count = 0;
                while ((header = readLine(false)) != null && !header.isEmpty()) {
                    int colon = header.indexOf(':');
                    if (colon > 0 && ++count <= MAX_HEADERS) {
                        headers.computeIfAbsent(header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                k -> new ArrayList<>(1)).add(header.substring(colon + 1).trim());
                    }
                }
                if (header == null) {
                    throw new IOException("the provider closed the connection in the answer's headers");
                }
                if (code >= 100 && code < 200) {
                    continue; // an interim answer (100 Continue): the real one follows
                }
                socket.setSoTimeout(readTimeoutMillis);
                boolean close = status.startsWith("HTTP/1.0") || has(headers, "connection", "close");
                InputStream bodyStream;
                if (code == 204 || code == 304) {
                    bodyStream = new Body(this, 0, close);
                } else if (has(headers, "transfer-encoding", "chunked")) {
                    bodyStream = new Chunked(this, close);
                } else if (headers.containsKey("content-length")) {
                    long length;
                    try {
                        length = Long.parseLong(headers.get("content-length").get(0));
                    } catch (NumberFormatException e) {
                        throw new IOException("the provider's Content-Length is malformed");
                    }
                    bodyStream = new Body(this, length, close);
                } else {
                    bodyStream = new Body(this, -1, true);
                }
                return new Answer(code, HttpHeaders.of(headers, (a, b) -> true), bodyStream);
            }
        }

        private void write(byte[] bytes) throws IOException {
            try {
                out.write(bytes);
            } catch (IOException e) {
                throw new StaleConnection();
            }
        }

        private static boolean has(Map<String, List<String>> headers, String name, String token) {
            List<String> values = headers.get(name);
            if (values == null) {
                return false;
            }
            for (String v : values) {
                if (v.toLowerCase(Locale.ROOT).contains(token)) {
                    return true;
                }
            }
            return false;
        }

        /** A line of the answer's head without its CRLF; null at the end of the stream. */
        String readLine(boolean first) throws IOException {
            byte[] buffer = line;
            int n = 0;
            while (true) {
                int b;
                try {
                    b = in.read();
                } catch (java.net.SocketException e) {
                    if (first && n == 0) {
                        throw new StaleConnection(); // reset before any byte of an answer
                    }
                    throw e;
                }
                if (b < 0) {
                    return n == 0 ? null : latin1(buffer, n);
                }
                if (b == '\n') {
                    return latin1(buffer, n > 0 && buffer[n - 1] == '\r' ? n - 1 : n);
                }
                if (n == buffer.length) {
                    if (n >= MAX_HEAD_LINE) {
                        throw new IOException("a line of the provider's answer head is too long");
                    }
                    buffer = java.util.Arrays.copyOf(buffer, n * 2);
                }
                buffer[n++] = (byte) b;
            }
        }

        private static String latin1(byte[] b, int n) {
            return new String(b, 0, n, StandardCharsets.ISO_8859_1);
        }

        /** The body was read to its end: the connection may carry the next request. */
        void finished(boolean close) {
            if (close) {
                close();
            } else {
                giveBack(this);
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** A body of known length ({@code -1}: up to the end of the connection). */
    private static final class Body extends InputStream {
        private final Connection connection;
        private final boolean closeAfter;
        private long left;
        private boolean done;

        Body(Connection connection, long length, boolean closeAfter) {
            this.connection = connection;
            this.left = length;
            this.closeAfter = closeAfter;
            if (length == 0) {
                finish();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = connection.in.read(b, off, left < 0 ? len : (int) Math.min(len, left));
            if (n < 0) {
                if (left > 0) {
                    connection.close();
                    done = true;
                    throw new IOException("the provider closed the connection " + left + " bytes before the answer's end");
                }
                finish();
                return -1;
            }
            if (left > 0) {
                left -= n;
                if (left == 0) {
                    finish();
                }
            }
            return n;
        }

        private void finish() {
            if (!done) {
                done = true;
                connection.finished(closeAfter || left < 0);
            }
        }

        @Override
        public void close() {
            if (!done) {
                done = true;
                connection.close(); // read only in part: the provider learns the request is cancelled
            }
        }
    }

    /** A chunked body, decoded. */
    private static final class Chunked extends InputStream {
        private final Connection connection;
        private final boolean closeAfter;
        private long chunkLeft;
        private boolean done;

        Chunked(Connection connection, boolean closeAfter) {
            this.connection = connection;
            this.closeAfter = closeAfter;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            try {
                if (chunkLeft == 0) {
                    String size = connection.readLine(false);
                    if (size == null) {
                        throw new IOException("the provider closed the connection in a chunked answer");
                    }
                    int semicolon = size.indexOf(';');
                    try {
                        chunkLeft = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                    } catch (NumberFormatException e) {
                        throw new IOException("the provider's chunked answer is malformed");
                    }
                    if (chunkLeft < 0) {
                        throw new IOException("the provider's chunked answer is malformed");
                    }
                    if (chunkLeft == 0) {
                        String trailer;
                        while ((trailer = connection.readLine(false)) != null && !trailer.isEmpty()) {
                            // trailers are not relayed
                        }
                        done = true;
                        connection.finished(closeAfter || trailer == null);
                        return -1;
                    }
                }
                int n = connection.in.read(b, off, (int) Math.min(len, chunkLeft));
                if (n < 0) {
                    throw new IOException("the provider closed the connection in a chunk");
                }
                chunkLeft -= n;
                if (chunkLeft == 0) {
                    String end = connection.readLine(false); // the CRLF after the chunk's data
                    if (end == null || !end.isEmpty()) {
                        throw new IOException("the provider's chunked answer is malformed");
                    }
                }
                return n;
            } catch (IOException e) {
                done = true;
                connection.close();
                throw e;
            }
        }

        @Override
        public void close() {
            if (!done) {
                done = true;
                connection.close();
            }
        }
    }

    /** An answer whose head was read; its body streams from the connection. */
    private record Answer(int statusCode, HttpHeaders headers, InputStream body) implements HttpResponse<InputStream> {
        @Override
        public HttpRequest request() {
            throw new UnsupportedOperationException("not kept");
        }

        @Override
        public Optional<HttpResponse<InputStream>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            throw new UnsupportedOperationException("not kept");
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
