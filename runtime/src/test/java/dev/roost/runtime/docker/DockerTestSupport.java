package dev.roost.runtime.docker;

import static org.assertj.core.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * What Docker tests share: the decision to run or skip, a direct client for "behind the back"
 * actions, and clean-up. Every object a test run makes carries the label
 * {@code roost-test.run=<id>} (through {@link DockerSettings#labels()}), so runs on one daemon
 * never see each other's containers and a crashed run's leftovers can be found.
 *
 * <p>Without a daemon or the test image, tests are skipped with a message saying what to do;
 * with {@code ROOST_REQUIRE_DOCKER=1} (as CI sets) they fail instead.
 */
public final class DockerTestSupport {
    public static final String IMAGE = "roost-test/busybox:1";
    public static final String UNHEALTHY_IMAGE = "roost-test/busybox:unhealthy";
    /** A registry on a closed local port: pulls fail at once, without leaving this machine. */
    public static final String MISSING_IMAGE = "127.0.0.1:9/roost-test/missing:1";
    public static final String RUN_LABEL = "roost-test.run";

    /** A system property that hands a run's id to a child JVM (a server process the test kills). */
    public static final String RUN_PROPERTY = "roost.test.docker-run";
    private static final String RUN = System.getProperty(RUN_PROPERTY, UUID.randomUUID().toString());
    private static volatile String unusable;
    private static volatile boolean checked;

    private DockerTestSupport() {
    }

    /** This run's id, the value of its {@link #RUN_LABEL}. */
    public static String run() {
        return RUN;
    }

    /** Settings for a test runtime: short grace and pull timeout, its own secret directory, the run label. */
    public static DockerSettings settings() {
        return DockerSettings.fromEnvironment(System.getenv())
                .withStopGrace(Duration.ofSeconds(2))
                .withPullTimeout(Duration.ofSeconds(20))
                .withSecretDirectory(Path.of("/dev/shm/roost-test-secrets-" + RUN))
                .withLabels(Map.of(RUN_LABEL, RUN));
    }

    /** Whether a daemon answers and the test images exist (checked once per run). */
    public static boolean usable() {
        check();
        return unusable == null;
    }

    /** Skips the calling test (or fails it, under ROOST_REQUIRE_DOCKER=1) unless a daemon answers and the test images exist. */
    public static void requireDocker() {
        check();
        if (unusable != null) {
            if ("1".equals(System.getenv("ROOST_REQUIRE_DOCKER"))) {
                fail("Docker tests cannot run: " + unusable + " (ROOST_REQUIRE_DOCKER=1 makes this a failure)");
            }
            Assumptions.abort("Docker tests skipped: " + unusable);
        }
    }

    private static void check() {
        if (!checked) {
            synchronized (DockerTestSupport.class) {
                if (!checked) {
                    unusable = findProblem();
                    checked = true;
                }
            }
        }
    }

    private static String findProblem() {
        DockerRuntime.DaemonStatus status = DockerRuntime.probeDaemon(settings());
        if (!status.answers()) {
            return status.detail();
        }
        if (imagesPresent()) {
            return null;
        }
        Path script = findScript();
        if (script != null) {
            try {
                Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                p.waitFor(60, TimeUnit.SECONDS);
            } catch (IOException e) {
                // reported below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (imagesPresent()) {
            return null;
        }
        return "the test images " + IMAGE + " and " + UNHEALTHY_IMAGE
                + " are missing; build them with scripts/build-test-image.sh (needs busybox-static)";
    }

    private static boolean imagesPresent() {
        try (DockerClient client = client()) {
            client.inspectImageCmd(IMAGE).exec();
            client.inspectImageCmd(UNHEALTHY_IMAGE).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path findScript() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path script = dir.resolve("scripts/build-test-image.sh");
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        return null;
    }

    /** A client of its own, for what tests do to containers outside Roost. */
    public static DockerClient client() {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(settings().host()).build();
        return DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).responseTimeout(Duration.ofSeconds(60)).build());
    }

    /** What a command run in a container printed (stdout and stderr together) and its exit code. */
    public record ExecOutput(long exitCode, String output) {
    }

    public static ExecOutput exec(DockerClient client, String containerId, String... command) {
        String execId = client.execCreateCmd(containerId).withCmd(command).withAttachStdout(true).withAttachStderr(true)
                .exec().getId();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ResultCallback.Adapter<Frame> callback = client.execStartCmd(execId).exec(new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                synchronized (out) {
                    out.writeBytes(frame.getPayload());
                }
            }
        })) {
            if (!callback.awaitCompletion(30, TimeUnit.SECONDS)) {
                throw new AssertionError("command in the container did not finish within 30 s: " + List.of(command));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        Long exit = null;
        for (int i = 0; i < 200 && exit == null; i++) {
            var inspect = client.inspectExecCmd(execId).exec();
            if (!Boolean.TRUE.equals(inspect.isRunning())) {
                exit = inspect.getExitCodeLong();
            } else {
                sleep(10);
            }
        }
        synchronized (out) {
            return new ExecOutput(exit == null ? -1 : exit, out.toString(StandardCharsets.UTF_8));
        }
    }

    /** The value of environment variable {@code name} in the container, as its processes see it. */
    public static java.util.Optional<String> environmentOf(DockerClient client, String containerId, String name) {
        String prefix = name + "=";
        return exec(client, containerId, "env").output().lines().filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length())).findFirst();
    }

    /** Removes the containers, networks and volumes of the given instances made by this test run, and their secret files. */
    public static void cleanUp(DockerClient client, Collection<UUID> instanceIds) {
        for (UUID id : instanceIds) {
            List<String> filter = List.of(RUN_LABEL + "=" + RUN, ContainerLabels.INSTANCE_ID + "=" + id);
            for (Container c : client.listContainersCmd().withShowAll(true).withFilter("label", filter).exec()) {
                try {
                    client.removeContainerCmd(c.getId()).withForce(true).exec();
                } catch (NotFoundException e) {
                    // gone already
                }
            }
            client.listNetworksCmd().withFilter("label", filter).exec().forEach(n -> {
                try {
                    client.removeNetworkCmd(n.getId()).exec();
                } catch (NotFoundException e) {
                    // gone already
                }
            });
            var volumes = client.listVolumesCmd().withFilter("label", filter).exec().getVolumes();
            if (volumes != null) {
                volumes.forEach(v -> {
                    try {
                        client.removeVolumeCmd(v.getName()).exec();
                    } catch (NotFoundException e) {
                        // gone already
                    }
                });
            }
        }
    }

    /** Removes what is left of this run: secret directory, and the firewall when no Roost network remains. */
    public static void cleanUpRun(DockerClient client) {
        List<String> filter = List.of(RUN_LABEL + "=" + RUN);
        for (Container c : client.listContainersCmd().withShowAll(true).withFilter("label", filter).exec()) {
            client.removeContainerCmd(c.getId()).withForce(true).exec();
        }
        client.listNetworksCmd().withFilter("label", filter).exec().forEach(n -> client.removeNetworkCmd(n.getId()).exec());
        var volumes = client.listVolumesCmd().withFilter("label", filter).exec().getVolumes();
        if (volumes != null) {
            volumes.forEach(v -> client.removeVolumeCmd(v.getName()).exec());
        }
        if (client.listNetworksCmd().withFilter("label", List.of(ContainerLabels.MANAGED + "=true")).exec().isEmpty()) {
            HostFirewall firewall = new HostFirewall(settings().gatewayPort());
            if (firewall.available()) {
                firewall.uninstall();
            }
        }
        try {
            Path dir = settings().secretDirectory();
            if (Files.exists(dir)) {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
