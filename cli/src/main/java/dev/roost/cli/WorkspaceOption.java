package dev.roost.cli;

import picocli.CommandLine.Option;

/** The {@code -w/--workspace} option of commands that work inside one workspace. */
public final class WorkspaceOption {
    @Option(names = {"-w", "--workspace"}, paramLabel = "WORKSPACE",
            description = "Workspace to work in (default: $ROOST_WORKSPACE, else the one chosen with 'roost workspace use').")
    String name;

    public String name() {
        return name;
    }
}
