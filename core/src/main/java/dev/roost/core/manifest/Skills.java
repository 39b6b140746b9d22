package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** Which skills (tools) the agent may use. */
public record Skills(Mode mode, List<String> allowlist) {
    public static final Skills DEFAULT = new Skills(Mode.ALLOWLIST, List.of());

    public Skills {
        requireNonNull(mode, "mode is null");
        allowlist = List.copyOf(requireNonNull(allowlist, "allowlist is null"));
    }

    public enum Mode implements WireValue {
        ALLOWLIST,
        NONE;

        @Override
        public String wire() {
            return name();
        }
    }
}
