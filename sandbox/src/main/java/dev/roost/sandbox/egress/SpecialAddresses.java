package dev.roost.sandbox.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Addresses a job never reaches through the egress proxy, whatever its allowlist says: the
 * IANA special-purpose ranges (private, shared, loopback, link-local with the cloud metadata
 * service at 169.254.169.254, documentation, benchmarking, multicast, reserved, broadcast,
 * unspecified) for IPv4 and IPv6. An IPv6 address that carries an IPv4 one (mapped
 * {@code ::ffff:a.b.c.d}, compatible {@code ::a.b.c.d}, NAT64 {@code 64:ff9b::/96}) is judged
 * by the IPv4 address it carries; 6to4 and Teredo are refused outright because they tunnel to
 * an address the proxy cannot see. IPv6 is allowed only within global unicast {@code 2000::/3}.
 */
public final class SpecialAddresses {
    private record Block(byte[] prefix, int bits, String name) {
        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (prefix[full] & mask);
        }
    }

    private static final List<Block> IPV4 = List.of(
            v4("0.0.0.0", 8, "'this network' 0.0.0.0/8"),
            v4("10.0.0.0", 8, "private 10.0.0.0/8"),
            v4("100.64.0.0", 10, "shared (carrier-grade NAT) 100.64.0.0/10"),
            v4("127.0.0.0", 8, "loopback 127.0.0.0/8"),
            v4("169.254.0.0", 16, "link-local 169.254.0.0/16 (cloud metadata service)"),
            v4("172.16.0.0", 12, "private 172.16.0.0/12"),
            v4("192.0.0.0", 24, "IETF protocol assignments 192.0.0.0/24"),
            v4("192.0.2.0", 24, "documentation 192.0.2.0/24"),
            v4("192.31.196.0", 24, "AS112 192.31.196.0/24"),
            v4("192.52.193.0", 24, "AMT 192.52.193.0/24"),
            v4("192.88.99.0", 24, "6to4 relay anycast 192.88.99.0/24"),
            v4("192.168.0.0", 16, "private 192.168.0.0/16"),
            v4("192.175.48.0", 24, "direct delegation AS112 192.175.48.0/24"),
            v4("198.18.0.0", 15, "benchmarking 198.18.0.0/15"),
            v4("198.51.100.0", 24, "documentation 198.51.100.0/24"),
            v4("203.0.113.0", 24, "documentation 203.0.113.0/24"),
            v4("224.0.0.0", 4, "multicast 224.0.0.0/4"),
            v4("240.0.0.0", 4, "reserved 240.0.0.0/4 (and broadcast)"));

    private static final List<Block> IPV6 = List.of(
            v6("::", 128, "unspecified ::"),
            v6("::1", 128, "loopback ::1"),
            v6("64:ff9b:1::", 48, "local-use NAT64 64:ff9b:1::/48"),
            v6("100::", 64, "discard-only 100::/64"),
            v6("2001::", 32, "Teredo 2001::/32"),
            v6("2001::", 23, "IETF protocol assignments 2001::/23"),
            v6("2001:db8::", 32, "documentation 2001:db8::/32"),
            v6("2002::", 16, "6to4 2002::/16"),
            v6("3fff::", 20, "documentation 3fff::/20"),
            v6("5f00::", 16, "segment routing 5f00::/16"),
            v6("fc00::", 7, "unique local fc00::/7"),
            v6("fe80::", 10, "link-local fe80::/10"),
            v6("fec0::", 10, "site-local fec0::/10"),
            v6("ff00::", 8, "multicast ff00::/8"));

    private static final Block GLOBAL_UNICAST = v6("2000::", 3, "global unicast 2000::/3");
    private static final Block MAPPED = v6("::ffff:0:0", 96, "IPv4-mapped");
    private static final Block COMPATIBLE = v6("::", 96, "IPv4-compatible");
    private static final Block NAT64 = v6("64:ff9b::", 96, "NAT64");

    private SpecialAddresses() {
    }

    /** Why the proxy never connects to {@code address}, or empty when it may (a public unicast address). */
    public static Optional<String> why(InetAddress address) {
        return why(address.getAddress());
    }

    /** The same for raw bytes (4 or 16), so that no {@link InetAddress} conversion can hide a mapped address. */
    static Optional<String> why(byte[] a) {
        if (a.length == 4) {
            return IPV4.stream().filter(b -> b.contains(a)).map(Block::name).findFirst();
        }
        if (a.length != 16) {
            return Optional.of("not an IP address");
        }
        for (Block carrier : List.of(MAPPED, NAT64)) {
            if (carrier.contains(a)) {
                return why(Arrays.copyOfRange(a, 12, 16)).map(n -> n + " (as " + carrier.name() + " IPv6)");
            }
        }
        Optional<String> special = IPV6.stream().filter(b -> b.contains(a)).map(Block::name).findFirst();
        if (special.isPresent()) {
            return special;
        }
        if (COMPATIBLE.contains(a)) {
            return Optional.of("deprecated IPv4-compatible IPv6 ::/96");
        }
        if (!GLOBAL_UNICAST.contains(a)) {
            return Optional.of("outside IPv6 global unicast 2000::/3");
        }
        return Optional.empty();
    }

    private static Block v4(String address, int bits, String name) {
        return new Block(literal(address, Inet4Address.class), bits, name);
    }

    private static Block v6(String address, int bits, String name) {
        return new Block(literal(address, Inet6Address.class), bits, name);
    }

    /** Bytes of a numeric literal; {@code ::ffff:0:0} stays 16 bytes. */
    private static byte[] literal(String address, Class<? extends InetAddress> kind) {
        try {
            if (kind == Inet4Address.class) {
                return InetAddress.getByName(address).getAddress();
            }
            byte[] b = new byte[16];
            String[] halves = address.split("::", -1);
            int[] head = groups(halves[0]);
            int[] tail = halves.length > 1 ? groups(halves[1]) : new int[0];
            for (int i = 0; i < head.length; i++) {
                b[2 * i] = (byte) (head[i] >> 8);
                b[2 * i + 1] = (byte) head[i];
            }
            for (int i = 0; i < tail.length; i++) {
                int at = 16 - 2 * (tail.length - i);
                b[at] = (byte) (tail[i] >> 8);
                b[at + 1] = (byte) tail[i];
            }
            return b;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    private static int[] groups(String s) {
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(":")).mapToInt(g -> Integer.parseInt(g, 16)).toArray();
    }
}
