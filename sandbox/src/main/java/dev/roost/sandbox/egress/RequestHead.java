package dev.roost.sandbox.egress;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The request line and headers a job sent to the proxy, read within a byte bound, and where it
 * asks to go. Only two shapes are served: {@code CONNECT host:port} and an absolute
 * {@code http://host[:port]/…} URI; anything else is a {@link BadRequest}.
 *
 * @param method  the request method, upper-case letters only
 * @param target  the request target as sent (never logged: it may hold a query string)
 * @param version {@code HTTP/1.0} or {@code HTTP/1.1}
 * @param headers name and value pairs in the order sent
 * @param host    the host asked for, lower-cased, without a trailing dot (an IPv6 literal without brackets)
 * @param port    the port asked for
 * @param path    for plain HTTP, the origin-form target ({@code /path?query}); empty for CONNECT
 * @param literal the host is an IP address literal, not a name
 */
record RequestHead(String method, String target, String version, List<String[]> headers, String host, int port, String path,
                   boolean literal) {
    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,20}");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    private static final Pattern NAME = Pattern.compile("(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(?:\\.[0-9]{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]{2,45}");
    private static final int MAX_HEADERS = 100;

    /** The request cannot be served; {@link #getMessage()} is safe to show the job (no echo of its bytes). */
    static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    boolean isConnect() {
        return method.equals("CONNECT");
    }

    /** Reads one head from {@code in}, leaving any body bytes unread. */
    static RequestHead read(InputStream in, int maxBytes) throws IOException, BadRequest {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int total = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (total == 0) {
                    throw new EOFException("the connection closed before a request");
                }
                throw new BadRequest("the request head ended early");
            }
            if (++total > maxBytes) {
                throw new BadRequest("the request head is longer than " + maxBytes + " bytes");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                line.reset();
                if (len == 0) {
                    if (lines.isEmpty()) {
                        continue; // a stray empty line before the request line is allowed (RFC 9112 2.2)
                    }
                    break;
                }
                if (lines.size() > MAX_HEADERS) {
                    throw new BadRequest("the request has more than " + MAX_HEADERS + " header fields");
                }
                lines.add(new String(bytes, 0, len, StandardCharsets.ISO_8859_1));
            } else if (b == 0) {
                throw new BadRequest("the request head holds a NUL byte");
            } else {
                line.write(b);
            }
        }
        return parse(lines);
    }

    private static RequestHead parse(List<String> lines) throws BadRequest {
        String[] start = lines.getFirst().split(" ", -1);
        if (start.length != 3 || !METHOD.matcher(start[0]).matches() || !(start[2].equals("HTTP/1.1") || start[2].equals("HTTP/1.0"))) {
            throw new BadRequest("the request line is not 'METHOD target HTTP/1.x'");
        }
        List<String[]> headers = new ArrayList<>();
        for (String h : lines.subList(1, lines.size())) {
            int colon = h.indexOf(':');
            if (colon <= 0 || !HEADER_NAME.matcher(h.substring(0, colon)).matches()) {
                throw new BadRequest("a header field is malformed");
            }
            String value = h.substring(colon + 1).strip();
            if (value.chars().anyMatch(c -> c < 0x20 && c != '\t')) {
                throw new BadRequest("a header value holds a control character");
            }
            headers.add(new String[] {h.substring(0, colon), value});
        }
        String method = start[0];
        String target = start[1];
        if (method.equals("CONNECT")) {
            HostAndPort hp = authority(target, -1);
            return new RequestHead(method, target, start[2], headers, hp.host, hp.port, "", hp.literal);
        }
        if (target.regionMatches(true, 0, "https://", 0, 8)) {
            throw new BadRequest("for https, ask with CONNECT host:443 (set HTTPS_PROXY)");
        }
        if (!target.regionMatches(true, 0, "http://", 0, 7)) {
            throw new BadRequest("the request target must be an absolute http:// URI (this is a forward proxy: set HTTP_PROXY)");
        }
        String rest = target.substring(7);
        int end = 0;
        while (end < rest.length() && "/?#".indexOf(rest.charAt(end)) < 0) {
            end++;
        }
        HostAndPort hp = authority(rest.substring(0, end), 80);
        String path = rest.substring(end);
        int fragment = path.indexOf('#');
        if (fragment >= 0) {
            path = path.substring(0, fragment);
        }
        if (path.isEmpty() || path.startsWith("?")) {
            path = "/" + path;
        }
        if (path.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new BadRequest("the request target holds spaces or control characters");
        }
        return new RequestHead(method, target, start[2], headers, hp.host, hp.port, path, hp.literal);
    }

    private record HostAndPort(String host, int port, boolean literal) {
    }

    /** {@code host[:port]}; {@code defaultPort} -1 means the port is required. */
    private static HostAndPort authority(String authority, int defaultPort) throws BadRequest {
        if (authority.indexOf('@') >= 0) {
            throw new BadRequest("credentials in the request target are not accepted");
        }
        String host;
        String port = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new BadRequest("the IPv6 literal is not closed");
            }
            host = authority.substring(1, close).toLowerCase(Locale.ROOT);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new BadRequest("the authority is malformed");
                }
                port = after.substring(1);
            }
            if (!IPV6.matcher(host).matches()) {
                throw new BadRequest("the IPv6 literal is malformed");
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = (colon >= 0 ? authority.substring(0, colon) : authority).toLowerCase(Locale.ROOT);
            port = colon >= 0 ? authority.substring(colon + 1) : null;
            if (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
            if (!NAME.matcher(host).matches()) {
                throw new BadRequest("the host is not a valid host name");
            }
        }
        int p;
        if (port == null || port.isEmpty()) {
            if (defaultPort < 0) {
                throw new BadRequest("CONNECT needs host:port");
            }
            p = defaultPort;
        } else {
            if (port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
                throw new BadRequest("the port is not a number");
            }
            p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new BadRequest("the port is out of range");
            }
        }
        boolean literal = authority.startsWith("[") || IPV4.matcher(host).matches();
        return new HostAndPort(host, p, literal);
    }
}
