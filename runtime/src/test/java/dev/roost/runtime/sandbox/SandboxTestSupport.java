package dev.roost.runtime.sandbox;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * What sandbox runtime tests share: directories of this test run (images built by
 * {@code scripts/build-test-image.sh --sandbox}, jail state, secrets) and the decision to run or
 * skip. Without bubblewrap (or cgroups, perl, nsenter, busybox-static) the tests are skipped with
 * what to install; with {@code ROOST_REQUIRE_SANDBOX=1} (as CI sets) they fail instead.
 */
public final class SandboxTestSupport {
    public static final String IMAGE = "roost-test/busybox:1";
    public static final String UNHEALTHY_IMAGE = "roost-test/busybox:unhealthy";
    public static final String MISSING_IMAGE = "roost-test/missing:1";

    /** Short, so forwarder socket paths stay far below the Unix limit; traversable by the jail user. */
    private static final Path RUN_ROOT = Path.of("/tmp", "roost-sbxrt-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
    private static final Path SECRETS = Path.of(Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : "/tmp",
            "roost-sbxrt-secrets-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
    private static volatile String imageProblem;
    private static volatile boolean imagesBuilt;

    static {
        java.lang.Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            SandboxRuntime.deleteTree(RUN_ROOT);
            SandboxRuntime.deleteTree(SECRETS);
        }));
    }

    private SandboxTestSupport() {
    }

    /** Settings for a runtime of this test run; {@code name} separates the state of several runtimes. */
    public static SandboxRuntimeSettings settings(String name) {
        Path root = runRoot();
        return new SandboxRuntimeSettings(root.resolve("images"), root.resolve(name), SECRETS.resolve(name), Optional.empty(),
                SandboxRuntimeSettings.NOBODY, SandboxRuntimeSettings.NOBODY, Optional.empty(), 256 * 1024, Duration.ofSeconds(5),
                256L << 20);
    }

    private static Path runRoot() {
        try {
            Files.createDirectories(RUN_ROOT);
            Files.setPosixFilePermissions(RUN_ROOT, PosixFilePermissions.fromString("rwx--x--x"));
            return RUN_ROOT;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Skips the calling test (or fails it, under ROOST_REQUIRE_SANDBOX=1) unless jails can run here and the test images exist. */
    public static void requireSandbox(SandboxRuntime runtime) {
        SandboxRuntime.Status status = runtime.status();
        String problem = status.usable() ? images(runtime.settings().images()) : status.detail();
        if (problem != null) {
            if ("1".equals(System.getenv("ROOST_REQUIRE_SANDBOX"))) {
                fail("Sandbox runtime tests cannot run: " + problem + " (ROOST_REQUIRE_SANDBOX=1 makes this a failure)");
            }
            Assumptions.abort("Sandbox runtime tests skipped: " + problem + ". Install bubblewrap, perl, util-linux and busybox-static"
                    + " (apt-get install bubblewrap busybox-static) and run as root or with a delegated cgroup.");
        }
    }

    private static synchronized String images(Path dir) {
        if (imagesBuilt) {
            return null;
        }
        if (imageProblem != null) {
            return imageProblem;
        }
        Path script = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("scripts/build-test-image.sh"))) {
                script = d.resolve("scripts/build-test-image.sh");
                break;
            }
        }
        if (script == null) {
            return imageProblem = "scripts/build-test-image.sh is not found above " + Path.of("").toAbsolutePath();
        }
        try {
            Process p = new ProcessBuilder("bash", script.toString(), "--sandbox", dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return imageProblem = "the sandbox test images could not be built: " + out.strip();
            }
        } catch (IOException e) {
            return imageProblem = "the sandbox test images could not be built: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        imagesBuilt = true;
        return null;
    }

    /** Someone kills every process of the jail outside Roost (as {@code kill -9} of its cgroup would). */
    public static void killBehindBack(SandboxRuntime runtime, String containerId) {
        runtime.cgroupOf(containerId).killAll();
    }
}
