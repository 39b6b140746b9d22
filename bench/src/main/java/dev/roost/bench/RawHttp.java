package dev.roost.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A minimal HTTP/1.1 client for generating load: keep-alive connections on plain sockets, one
 * exchange at a time per connection, answers framed by Content-Length or chunked encoding. It
 * costs a fraction of {@code java.net.http} per request, so on a small machine the load
 * generator's own work crowds the servers it measures less, and the servers are compared on
 * what they do. It records when the first byte of the answer's body arrived (a stream's time to
 * first byte) and when the answer ended.
 */
final class RawHttp {
    private RawHttp() {
    }

    /** A request encoded once, sent many times. */
    record Request(String host, int port, byte[] bytes) {
        static Request post(String url, String body, Map<String, String> headers) {
            URI uri = URI.create(url);
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder("POST ").append(uri.getRawPath()).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
                    .append("Content-Type: application/json\r\nContent-Length: ").append(content.length).append("\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("\r\n");
            byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[headBytes.length + content.length];
            System.arraycopy(headBytes, 0, all, 0, headBytes.length);
            System.arraycopy(content, 0, all, headBytes.length, content.length);
            return new Request(uri.getHost(), uri.getPort(), all);
        }
    }

    /** What one exchange did: status, when the body's first byte and its end arrived ({@link System#nanoTime()}). */
    record Outcome(int status, long firstByteNanos, long endNanos, String errorBody) {
    }

    /** Keep-alive connections to one server, shared by many threads. */
    static final class Pool implements AutoCloseable {
        private final String host;
        private final int port;
        private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
        private final Set<Connection> all = ConcurrentHashMap.newKeySet();

        Pool(String host, int port) {
            this.host = host;
            this.port = port;
        }

        /** Sends the request on an idle connection (or a new one) and reads the whole answer. */
        Outcome exchange(Request request) throws IOException {
            Connection reused = idle.pollFirst();
            if (reused != null) {
                try {
                    return finish(reused, reused.exchange(request.bytes()));
                } catch (StaleConnectionException e) {
                    discard(reused); // the server closed it while it was idle: one more try on a new one
                } catch (IOException e) {
                    discard(reused);
                    throw e;
                }
            }
            Connection fresh = new Connection(host, port);
            all.add(fresh);
            try {
                return finish(fresh, fresh.exchange(request.bytes()));
            } catch (IOException e) {
                discard(fresh);
                throw e;
            }
        }

        private Outcome finish(Connection connection, Outcome outcome) {
            if (connection.reusable) {
                idle.addFirst(connection);
            } else {
                discard(connection);
            }
            return outcome;
        }

        private void discard(Connection connection) {
            all.remove(connection);
            connection.close();
        }

        int connections() {
            return all.size();
        }

        @Override
        public void close() {
            for (Connection c : all) {
                c.close();
            }
            all.clear();
            idle.clear();
        }
    }

    /** Thrown when a reused connection turns out closed before any answer byte arrived. */
    private static final class StaleConnectionException extends IOException {
        StaleConnectionException() {
            super("connection closed by the server while idle", null);
        }
    }

    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final byte[] line = new byte[8192];
        private final byte[] skip = new byte[16 * 1024];
        private boolean used;
        boolean reusable;

        Connection(String host, int port) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }

        Outcome exchange(byte[] request) throws IOException {
            boolean wasUsed = used;
            used = true;
            reusable = false;
            out.write(request);
            out.flush();
            int n = readLine();
            if (n < 0) {
                if (wasUsed) {
                    throw new StaleConnectionException();
                }
                throw new IOException("the server closed the connection without answering");
            }
            String statusLine = new String(line, 0, n, StandardCharsets.US_ASCII);
            if (!statusLine.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean close = statusLine.startsWith("HTTP/1.0");
            while ((n = readLine()) > 0) {
                String header = new String(line, 0, n, StandardCharsets.US_ASCII);
                int colon = header.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.contains("chunked");
                    case "connection" -> close = value.contains("close") || close && !value.contains("keep-alive");
                    default -> {
                    }
                }
            }
            if (n < 0) {
                throw new IOException("the connection closed in the answer's headers");
            }
            long firstByte = 0;
            StringBuilder errorBody = status == 200 ? null : new StringBuilder();
            if (chunked) {
                while (true) {
                    n = readLine();
                    if (n < 0) {
                        throw new IOException("the connection closed in a chunked answer");
                    }
                    String size = new String(line, 0, n, StandardCharsets.US_ASCII);
                    int semicolon = size.indexOf(';');
                    long chunk = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                    if (chunk == 0) {
                        while ((n = readLine()) > 0) {
                            // trailers
                        }
                        break;
                    }
                    if (firstByte == 0) {
                        int b = in.read();
                        if (b < 0) {
                            throw new IOException("the connection closed in a chunk");
                        }
                        firstByte = System.nanoTime();
                        chunk--;
                        if (errorBody != null) {
                            errorBody.append((char) b);
                        }
                    }
                    discard(chunk, errorBody);
                    readLine(); // the CRLF after the chunk
                }
            } else if (length >= 0) {
                if (length > 0) {
                    int b = in.read();
                    if (b < 0) {
                        throw new IOException("the connection closed in the answer's body");
                    }
                    firstByte = System.nanoTime();
                    if (errorBody != null) {
                        errorBody.append((char) b);
                    }
                    discard(length - 1, errorBody);
                }
            } else {
                // no framing: the body runs to the end of the connection
                int b;
                while ((b = in.read()) >= 0) {
                    if (firstByte == 0) {
                        firstByte = System.nanoTime();
                    }
                    if (errorBody != null && errorBody.length() < 300) {
                        errorBody.append((char) b);
                    }
                }
                close = true;
            }
            long end = System.nanoTime();
            reusable = !close;
            return new Outcome(status, firstByte == 0 ? end : firstByte, end, errorBody == null ? null : errorBody.toString());
        }

        private void discard(long count, StringBuilder keep) throws IOException {
            while (count > 0) {
                int n = in.read(skip, 0, (int) Math.min(skip.length, count));
                if (n < 0) {
                    throw new IOException("the connection closed in the answer's body");
                }
                if (keep != null && keep.length() < 300) {
                    keep.append(new String(skip, 0, Math.min(n, 300 - keep.length()), StandardCharsets.UTF_8));
                }
                count -= n;
            }
        }

        /** Reads one line into {@link #line} without its CRLF; its length, or -1 at the end of the stream. */
        private int readLine() throws IOException {
            int n = 0;
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    return n > 0 && line[n - 1] == '\r' ? n - 1 : n;
                }
                if (n < line.length) {
                    line[n++] = (byte) b;
                }
            }
            return n == 0 ? -1 : n;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
