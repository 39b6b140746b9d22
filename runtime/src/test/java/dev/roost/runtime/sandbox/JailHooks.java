package dev.roost.runtime.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.runtime.LogLine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What an operator, the kernel or a crash might do to a jail outside Roost, for tests of runtimes
 * built on a {@link SandboxRuntime} they do not own (a node's): the same hooks as the sandbox
 * runtime's own contract test.
 */
public final class JailHooks {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private JailHooks() {
    }

    /** The jail's main process exits by itself with {@code exitCode} (the test image reads it from /tmp/exit). */
    public static void exit(SandboxRuntime runtime, String containerId, int exitCode) {
        assertThat(runtime.exec(containerId, List.of("sh", "-c", "echo " + exitCode + " > /tmp/exit"), Duration.ofSeconds(10)).exitCode())
                .isZero();
    }

    public static void kill(SandboxRuntime runtime, String containerId) {
        runtime.cgroupOf(containerId).killAll();
    }

    public static void remove(SandboxRuntime runtime, String containerId) {
        var group = runtime.cgroupOf(containerId);
        group.killAll();
        SandboxRuntime.deleteTree(runtime.directoryOf(containerId));
        group.remove();
    }

    public static void setMemory(SandboxRuntime runtime, String containerId, long bytes) {
        try {
            runtime.cgroupOf(containerId).setMemoryLimit(bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The jail's main process writes {@code text} as one line; returns once the jail's log file holds it. */
    public static void writeLog(SandboxRuntime runtime, String containerId, LogLine.Stream stream, String text) {
        long pid = runtime.mainProcess(containerId).orElseThrow();
        Path fd = Path.of("/proc", Long.toString(pid), "fd", stream == LogLine.Stream.STDERR ? "2" : "1");
        try {
            Files.writeString(fd, text + "\n", StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Path dir = runtime.directoryOf(containerId);
        await().atMost(WAIT).until(() -> contains(dir.resolve("log"), text) || contains(dir.resolve("log.1"), text));
    }

    private static boolean contains(Path log, String text) throws IOException {
        return Files.exists(log) && Files.readString(log).contains(" " + text + "\n");
    }

    public static Optional<String> environmentOf(SandboxRuntime runtime, String containerId, String name) {
        long pid = runtime.mainProcess(containerId).orElseThrow();
        try {
            for (String entry : new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8)
                    .split("\u0000")) {
                if (entry.startsWith(name + "=")) {
                    return Optional.of(entry.substring(name.length() + 1));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    public static boolean hasVolumes(SandboxRuntime runtime, UUID instanceId) {
        return runtime.hasVolumes(instanceId);
    }

    /** Whether a process of the jail is still alive. */
    public static boolean running(SandboxRuntime runtime, String containerId) {
        return runtime.mainProcess(containerId).isPresent();
    }
}
