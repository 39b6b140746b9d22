package dev.roost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxJobTest {

    @Test
    void attachment_names_stay_inside_the_working_directory() {
        for (String bad : new String[] {"../x", "/etc/passwd", "a/../../x", "a//b", "./a", "a/.", "", "dir/", "a\0b"}) {
            assertThatThrownBy(() -> SandboxJob.script("job", "true").withAttachments(Map.of(bad, new byte[0])))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        SandboxJob ok = SandboxJob.script("job", "true").withAttachments(Map.of("a/b/c.txt", new byte[] {1}, "out/seed", new byte[0]));
        assertThat(ok.attachments()).containsOnlyKeys("a/b/c.txt", "out/seed");
    }

    @Test
    void attachments_are_copied() {
        byte[] content = {1, 2, 3};
        SandboxJob job = SandboxJob.script("job", "true").withAttachments(Map.of("f", content));
        content[0] = 9;

        assertThat(job.attachments().get("f")).containsExactly(1, 2, 3);
    }

    @Test
    void names_and_environment_are_checked() {
        assertThatThrownBy(() -> SandboxJob.script("a/b", "true")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxJob.script("job", "true").withEnvironment(Map.of("A=B", "x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxJob.script("job", "true").withEnvironment(Map.of("A", "x\0y")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxJob.argv("job")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void limits_refuse_what_cannot_run() {
        assertThatThrownBy(() -> SandboxLimits.DEFAULT.withMemoryBytes(1024)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxLimits.DEFAULT.withPids(1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxLimits.DEFAULT.withTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxLimits.DEFAULT.withOutputCapBytes(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void captured_output_knows_when_it_was_cut() {
        assertThat(new SandboxResult.CapturedOutput(new byte[] {1}, 1).truncated()).isFalse();
        assertThat(new SandboxResult.CapturedOutput(new byte[] {1}, 5).truncated()).isTrue();
    }
}
