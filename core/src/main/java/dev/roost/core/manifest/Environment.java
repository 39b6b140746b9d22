package dev.roost.core.manifest;

/** The environment of a workspace an instance runs in. */
public enum Environment implements WireValue {
    DEV("dev"),
    STAGING("staging"),
    PROD("prod");

    private final String wire;

    Environment(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }
}
