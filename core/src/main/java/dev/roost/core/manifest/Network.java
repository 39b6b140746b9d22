package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Network access. NONE: no network; GATEWAY_ONLY: only Roost's model and tool gateways;
 * RESTRICTED: the gateways plus the hosts in {@code egressAllow}.
 */
public record Network(Inbound inbound, Egress egress, List<String> egressAllow, List<Port> ports) {
    public static final Network DEFAULT = new Network(Inbound.NONE, Egress.GATEWAY_ONLY, List.of(), List.of());

    public Network {
        requireNonNull(inbound, "inbound is null");
        requireNonNull(egress, "egress is null");
        egressAllow = List.copyOf(requireNonNull(egressAllow, "egressAllow is null"));
        ports = List.copyOf(requireNonNull(ports, "ports is null"));
    }

    public enum Inbound implements WireValue {
        NONE,
        WEBHOOK;

        @Override
        public String wire() {
            return name();
        }
    }

    public enum Egress implements WireValue {
        NONE,
        GATEWAY_ONLY,
        RESTRICTED;

        @Override
        public String wire() {
            return name();
        }
    }

    /** A port the agent listens on. Never published on the host directly; Roost proxies it per {@code exposure}. */
    public record Port(String name, int port, Exposure exposure, boolean admin) {
        public Port {
            requireNonNull(name, "name is null");
            requireNonNull(exposure, "exposure is null");
        }
    }

    public enum Exposure implements WireValue {
        PRIVATE,
        WORKSPACE,
        PUBLIC;

        @Override
        public String wire() {
            return name();
        }
    }
}
