package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

/** A port given by number, or by the name of a port declared in {@code spec.network.ports}. */
public sealed interface PortRef permits PortRef.ByNumber, PortRef.ByName {

    record ByNumber(int port) implements PortRef {
        public ByNumber {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535");
            }
        }
    }

    record ByName(String name) implements PortRef {
        public ByName {
            requireNonNull(name, "name is null");
        }
    }
}
