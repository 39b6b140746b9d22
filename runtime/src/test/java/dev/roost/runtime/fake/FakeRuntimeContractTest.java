package dev.roost.runtime.fake;

import dev.roost.runtime.LogLine;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeContract;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;

/** The in-memory fake passes the same contract as the real runtimes. */
class FakeRuntimeContractTest extends RuntimeContract {
    private static final String IMAGE = "roost-test/busybox:1";
    private static final String UNHEALTHY = "roost-test/busybox:unhealthy";

    private FakeRuntime fake;

    @BeforeEach
    void newFake() {
        fake = new FakeRuntime().withImage(IMAGE).withImage(UNHEALTHY).withUnhealthyImage(UNHEALTHY);
    }

    @Override
    protected Runtime runtime() {
        return fake;
    }

    @Override
    protected String image() {
        return IMAGE;
    }

    @Override
    protected String unhealthyImage() {
        return UNHEALTHY;
    }

    @Override
    protected String missingImage() {
        return "127.0.0.1:9/roost-test/missing:1";
    }

    @Override
    protected void exitBehindBack(String containerId, int exitCode) {
        fake.crashBehindBack(containerId, exitCode, false);
    }

    @Override
    protected void killBehindBack(String containerId) {
        fake.stopBehindBack(containerId);
    }

    @Override
    protected void removeBehindBack(String containerId) {
        fake.removeBehindBack(containerId);
    }

    @Override
    protected void changeMemoryBehindBack(String containerId, long bytes) {
        fake.changeBehindBack(containerId, "memory limit is " + (bytes >> 20) + " MiB, manifest says 64 MiB");
    }

    @Override
    protected void writeLog(String containerId, LogLine.Stream stream, String text) {
        fake.emit(containerId, stream, text);
    }

    @Override
    protected Optional<String> environmentOf(String containerId, String name) {
        return fake.injectedSecret(containerId, name);
    }

    @Override
    protected boolean hasVolumes(UUID instanceId) {
        return fake.hasVolumes(instanceId);
    }

    @Override
    protected Runtime unavailableRuntime() {
        FakeRuntime down = new FakeRuntime();
        down.setAvailable(false);
        return down;
    }
}
