package dev.roost.sandbox.bubblewrap;

import static org.assertj.core.api.Assertions.fail;

import dev.roost.sandbox.SandboxAvailability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * What bubblewrap tests share: a work root of this test run's own, and the decision to run or
 * skip. Without bubblewrap or usable cgroups the tests are skipped with what to install; with
 * {@code ROOST_REQUIRE_SANDBOX=1} (as CI sets) they fail instead.
 */
public final class BubblewrapTestSupport {
    private static final Path RUN_ROOT = Path.of(System.getProperty("java.io.tmpdir"), "roost-sandbox-test-" + UUID.randomUUID());
    private static volatile SandboxAvailability availability;

    static {
        // Job directories are gone after each job; this takes the work roots and stand-in homes.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var walk = Files.walk(RUN_ROOT)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | java.io.UncheckedIOException e) {
                // best effort
            }
        }));
    }

    private BubblewrapTestSupport() {
    }

    /** A directory for this test run, below which work roots and fake Roost homes go; others may traverse it. */
    public static Path runRoot() {
        try {
            Files.createDirectories(RUN_ROOT);
            RUN_ROOT.toFile().setExecutable(true, false);
            return RUN_ROOT;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A sandbox with a fresh work root under {@link #runRoot()}. */
    public static BubblewrapSandbox sandbox(String name) {
        return new BubblewrapSandbox(BubblewrapSettings.defaults(runRoot().resolve(name)));
    }

    /** Skips the calling test (or fails it, under ROOST_REQUIRE_SANDBOX=1) unless the sandbox can run jobs here. */
    public static void requireSandbox(BubblewrapSandbox sandbox) {
        SandboxAvailability a = sandbox.availability();
        availability = a;
        if (!a.usable()) {
            if ("1".equals(System.getenv("ROOST_REQUIRE_SANDBOX"))) {
                fail("Sandbox tests cannot run: " + a.summary() + " (ROOST_REQUIRE_SANDBOX=1 makes this a failure)");
            }
            Assumptions.abort("Sandbox tests skipped: " + a.summary()
                    + ". Install bubblewrap (apt-get install bubblewrap) and run as root or with a delegated cgroup.");
        }
    }

    /** The availability the last {@link #requireSandbox} saw. */
    public static SandboxAvailability lastAvailability() {
        return availability;
    }
}
