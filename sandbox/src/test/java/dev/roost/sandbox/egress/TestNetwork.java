package dev.roost.sandbox.egress;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What tests substitute for the real network, and nothing more: DNS (test names answer with the
 * addresses a test gives, which may be public, private, metadata, IPv4-mapped IPv6, …) and the
 * last hop (a connection to a public address is carried to a server on this machine's
 * loopback). The proxy's own address check runs, unchanged, on what {@link #resolve} returns,
 * and {@link #connects} shows every address it then asked to reach. Nothing here touches the
 * internet: an address with no route is refused, and only loopback addresses (the gateway in
 * tests) are connected to as they are.
 */
public final class TestNetwork implements EgressNetwork {
    private final Map<String, List<InetAddress>> names = new ConcurrentHashMap<>();
    private final Map<InetSocketAddress, InetSocketAddress> routes = new ConcurrentHashMap<>();
    /** Every address the proxy connected (or tried to connect) to, in order. */
    public final List<InetSocketAddress> connects = new CopyOnWriteArrayList<>();
    public final AtomicInteger resolves = new AtomicInteger();

    /** {@code host} resolves to these addresses (literals; a 16-byte IPv4-mapped one stays IPv6). */
    public TestNetwork name(String host, String... addresses) {
        names.put(host, java.util.Arrays.stream(addresses).map(TestNetwork::address).toList());
        return this;
    }

    /** A connection to {@code publicAddress:port} reaches {@code local} instead. */
    public TestNetwork route(String publicAddress, int port, InetSocketAddress local) {
        routes.put(new InetSocketAddress(address(publicAddress), port), local);
        return this;
    }

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        resolves.incrementAndGet();
        List<InetAddress> found = names.get(host);
        if (found != null) {
            return found;
        }
        if (host.equals("localhost") || host.matches("[0-9.]+") || host.contains(":")) {
            return List.of(InetAddress.getAllByName(host)); // literals and localhost: no DNS query leaves the machine
        }
        throw new UnknownHostException(host);
    }

    @Override
    public Socket connect(InetSocketAddress address, Duration timeout) throws IOException {
        if (address.isUnresolved()) {
            throw new AssertionError("the proxy asked to connect to a name, not to the address it checked: " + address);
        }
        connects.add(address);
        InetSocketAddress target = routes.get(address);
        if (target == null && address.getAddress().isLoopbackAddress()) {
            target = address;
        }
        if (target == null) {
            throw new ConnectException("test network: no route to " + address);
        }
        return EgressNetwork.SYSTEM.connect(target, timeout);
    }

    /** A literal as an address; {@code ::ffff:a.b.c.d} is kept as a 16-byte IPv6 address (Java would make it IPv4). */
    static InetAddress address(String literal) {
        try {
            if (literal.startsWith("::ffff:") && literal.indexOf('.') > 0) {
                byte[] v4 = InetAddress.getByName(literal.substring(7)).getAddress();
                byte[] v6 = new byte[16];
                v6[10] = (byte) 0xff;
                v6[11] = (byte) 0xff;
                System.arraycopy(v4, 0, v6, 12, 4);
                return Inet6Address.getByAddress(null, v6, -1);
            }
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
