package dev.roost.server.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real agent CLIs the gateway tests drive: named by an environment variable, else in
 * {@code .ci/clients/node_modules/.bin} of the repository, where {@code .ci/run} installs them.
 * A missing CLI skips the test, unless {@code ROOST_REQUIRE_AGENT_CLIS=1} makes that a failure.
 */
final class AgentClis {
    /** One command for all three: each {@code npm install --no-save} removes what the last one added. */
    private static final String INSTALL = "npm install --prefix .ci/clients --no-save @anthropic-ai/claude-code "
            + "@google/gemini-cli @openai/codex";

    private AgentClis() {
    }

    /**
     * The CLI's executable, or a skip (a failure when CI says the CLIs must be there).
     *
     * @param label what the CLI is called in messages, e.g. "Claude Code"
     * @param binary its name in {@code node_modules/.bin}
     * @param variable the environment variable that may name it instead
     */
    static Path find(String label, String binary, String variable) {
        String named = System.getenv(variable);
        Path cli = named != null && !named.isBlank() ? Path.of(named) : null;
        for (Path dir = Path.of("").toAbsolutePath(); cli == null && dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(".ci/clients/node_modules/.bin").resolve(binary);
            if (Files.isExecutable(candidate)) {
                cli = candidate;
            }
        }
        boolean found = cli != null && Files.isExecutable(cli);
        if (!found && "1".equals(System.getenv("ROOST_REQUIRE_AGENT_CLIS"))) {
            throw new AssertionError("ROOST_REQUIRE_AGENT_CLIS=1 but the " + label + " CLI is not installed: run '"
                    + INSTALL + "' in the repository (as .ci/run does)");
        }
        Assumptions.assumeTrue(found, label + " CLI not installed: run '" + INSTALL
                + "' in the repository (as .ci/run does), or set " + variable);
        return cli;
    }
}
