package dev.roost.runtime.docker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts instance networks out of one IPv4 range. Docker's own default pools hand out a /16 per
 * network (about 30 networks in all), too few for one network per instance; Roost asks for
 * small subnets ({@code /28} by default: 4096 networks in a {@code /16}) and picks the first one
 * that overlaps no existing network.
 */
record SubnetPool(long base, int poolPrefix, int subnetPrefix) {
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

    /** One subnet: its CIDR and the gateway address (the first host), the host's side of the bridge. */
    record Subnet(String cidr, String gateway) {
    }

    static SubnetPool parse(String pool, int subnetPrefix) {
        Range range = range(pool).orElseThrow(() ->
                new IllegalArgumentException("the subnet pool must be an IPv4 range such as 10.213.0.0/16, got " + pool));
        if (subnetPrefix < range.prefix || subnetPrefix > 29) {
            throw new IllegalArgumentException("the subnet prefix must be between the pool's (" + range.prefix
                    + ") and 29, got " + subnetPrefix);
        }
        if (!pool.trim().startsWith(format(range.start) + "/")) {
            throw new IllegalArgumentException("the subnet pool " + pool + " has host bits set");
        }
        return new SubnetPool(range.start, range.prefix, subnetPrefix);
    }

    /** The first subnet of the pool that overlaps none of {@code used} (CIDRs; malformed ones are ignored). */
    Optional<Subnet> firstFree(Collection<String> used) {
        List<Range> taken = new ArrayList<>();
        for (String cidr : used) {
            range(cidr).ifPresent(taken::add);
        }
        long size = 1L << (32 - subnetPrefix);
        long end = base + (1L << (32 - poolPrefix));
        for (long start = base; start < end; start += size) {
            Range candidate = new Range(start, subnetPrefix);
            if (taken.stream().noneMatch(candidate::overlaps)) {
                return Optional.of(new Subnet(format(start) + "/" + subnetPrefix, format(start + 1)));
            }
        }
        return Optional.empty();
    }

    private record Range(long start, int prefix) {
        long end() {
            return start + (1L << (32 - prefix));
        }

        boolean overlaps(Range other) {
            return start < other.end() && other.start < end();
        }
    }

    private static Optional<Range> range(String cidr) {
        Matcher m = CIDR.matcher(cidr.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                return Optional.empty();
            }
            address = (address << 8) | octet;
        }
        int prefix = Integer.parseInt(m.group(5));
        if (prefix > 32) {
            return Optional.empty();
        }
        return Optional.of(new Range(address & mask(prefix), prefix));
    }

    private static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    private static String format(long address) {
        return ((address >> 24) & 255) + "." + ((address >> 16) & 255) + "." + ((address >> 8) & 255) + "." + (address & 255);
    }
}
