package dev.roost.core.manifest;

import java.util.Optional;

/** An enumeration value with the exact spelling it has in manifests (e.g. {@code IfNotPresent}, {@code prod}). */
public interface WireValue {
    String wire();

    static <E extends Enum<E> & WireValue> Optional<E> fromWire(Class<E> type, String text) {
        for (E value : type.getEnumConstants()) {
            if (value.wire().equals(text)) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }
}
