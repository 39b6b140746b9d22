package dev.roost.runtime.docker;

import dev.roost.core.manifest.Network;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/**
 * The Docker network a container of an instance joins, chosen from its manifest's network
 * section. Each instance gets networks of its own, so instances never share a layer-2 segment.
 */
record InstanceNetwork(Kind kind, String name, String bridge) {

    enum Kind {
        /**
         * Egress GATEWAY_ONLY or RESTRICTED: the container may open connections to Roost's
         * gateway port on the network's gateway address and nowhere else (with the firewall).
         * RESTRICTED's allow-list is not enforced yet: it needs an egress proxy, until then
         * RESTRICTED is treated as GATEWAY_ONLY.
         */
        GATEWAY("roostg", "gw"),
        /**
         * Egress NONE with inbound WEBHOOK: Roost's server may connect in, the container may only
         * answer. Needs the firewall; without it Roost refuses to create such a container.
         */
        INBOUND_ONLY("roostn", "in");

        private final String bridgePrefix;
        private final String suffix;

        Kind(String bridgePrefix, String suffix) {
            this.bridgePrefix = bridgePrefix;
            this.suffix = suffix;
        }

        String bridgePrefix() {
            return bridgePrefix;
        }
    }

    /** The network for {@code network}, or empty for no network at all (loopback only). */
    static Optional<InstanceNetwork> of(UUID instanceId, Network network) {
        Kind kind = switch (network.egress()) {
            case NONE -> network.inbound() == Network.Inbound.WEBHOOK ? Kind.INBOUND_ONLY : null;
            case GATEWAY_ONLY, RESTRICTED -> Kind.GATEWAY;
        };
        if (kind == null) {
            return Optional.empty();
        }
        // Linux interface names have at most 15 characters: 6 for the prefix, 9 hex digits of a
        // hash of the id (not of the id itself: time-ordered ids share their first digits).
        String hash = HexFormat.of().formatHex(sha256(instanceId.toString())).substring(0, 9);
        return Optional.of(new InstanceNetwork(kind, "roost-" + instanceId + "-" + kind.suffix, kind.bridgePrefix + hash));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
