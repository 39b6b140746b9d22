package dev.roost.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimesByKind;
import dev.roost.runtime.docker.DockerSettings;
import dev.roost.runtime.sandbox.SandboxRuntime;
import dev.roost.runtime.sandbox.SandboxTestSupport;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ROOST_RUNTIME=sandbox}: jails when they work, a start that says why when they do not. */
class RuntimeSelectionTest {
    @Test
    void sandbox_selects_jails_as_the_only_and_default_kind() {
        SandboxTestSupport.requireSandbox(new SandboxRuntime(SandboxTestSupport.settings("selection")));

        try (Runtime runtime = RuntimeSelection.select("sandbox", DockerSettings.fromEnvironment(Map.of()),
                SandboxTestSupport.settings("selection"), Clock.systemUTC()).orElseThrow()) {
            assertThat(runtime).isInstanceOfSatisfying(RuntimesByKind.class, r -> {
                assertThat(r.defaultKind()).isEqualTo(RuntimeSpec.Kind.SANDBOX);
                assertThat(r.runtime(RuntimeSpec.Kind.SANDBOX)).containsInstanceOf(SandboxRuntime.class);
                assertThat(r.runtime(RuntimeSpec.Kind.DOCKER)).isEmpty();
            });
            assertThat(runtime.name()).isEqualTo("sandbox (default)");
        }
    }

    @Test
    void sandbox_without_bubblewrap_refuses_to_start_saying_what_to_install() {
        assertThatThrownBy(() -> RuntimeSelection.select("sandbox", DockerSettings.fromEnvironment(Map.of()),
                SandboxTestSupport.settings("selection-broken").withBubblewrap(Path.of("/nonexistent/bwrap")), Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("runtime=sandbox, but bubblewrap is not installed at /nonexistent/bwrap")
                .hasMessageContaining("apt-get install bubblewrap");
    }
}
