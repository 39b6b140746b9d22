package dev.roost.cli;

import picocli.CommandLine;

/** Prints the Roost version for {@code roost --version}. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"roost " + dev.roost.server.Version.current(), "Java " + Runtime.version()};
    }
}
