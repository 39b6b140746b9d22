package dev.roost.sandbox.egress;

import dev.roost.sandbox.SandboxJob;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A job's {@code egressAllow}: exact host names, and {@code *.domain} entries that match every
 * name below the domain (not the domain itself). Entries are checked by
 * {@link SandboxJob#checkEgressName}; a request's host is compared lower-cased, without a
 * trailing dot. Immutable.
 */
final class DomainAllowlist {
    private final Set<String> exact = new HashSet<>();
    private final List<String> suffixes;

    DomainAllowlist(List<String> entries) {
        List<String> checked = entries.stream().map(SandboxJob::checkEgressName).toList();
        checked.stream().filter(e -> !e.startsWith("*.")).forEach(exact::add);
        suffixes = checked.stream().filter(e -> e.startsWith("*.")).map(e -> e.substring(1)).toList();
    }

    /** Whether {@code host} (already a syntactically valid, lower-cased name) may be reached. */
    boolean allows(String host) {
        if (exact.contains(host)) {
            return true;
        }
        for (String suffix : suffixes) {
            if (host.endsWith(suffix) && host.length() > suffix.length()) {
                return true;
            }
        }
        return false;
    }
}
