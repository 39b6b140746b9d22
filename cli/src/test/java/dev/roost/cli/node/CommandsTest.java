package dev.roost.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.sandbox.SandboxJob;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A command list becomes argv (one command) or a script whose every word /bin/sh takes literally. */
class CommandsTest {
    private static final List<String> NASTY = List.of("", " ", "'", "''", "\"", "$HOME", "$(id)", "`id`", "*", "a b", "a\nb",
            "\\", "\\'", "'\\''", "; rm -rf /", "&& echo pwned", "| cat", "> /tmp/x", "${IFS}", "!", "#", "~", "%s", "-n",
            "ünïcødé ✓", "\t\r");

    @Test
    void oneCommandRunsAsItIsWithoutAShell() {
        assertThat(Commands.toCommand(List.of(List.of("echo", "$HOME", "*")))).isEqualTo(new SandboxJob.Argv(List.of("echo",
                "$HOME", "*")));
    }

    @Test
    void everyQuotedWordReachesTheProgramUnchanged() throws Exception {
        Random random = new Random(42);
        List<String> words = new java.util.ArrayList<>(NASTY);
        for (int i = 0; i < 200; i++) {
            StringBuilder s = new StringBuilder();
            for (int j = random.nextInt(12); j > 0; j--) {
                s.append((char) (1 + random.nextInt(126))); // any ASCII but NUL
            }
            words.add(s.toString());
        }
        for (String word : words) {
            Process p = new ProcessBuilder("/bin/sh", "-c", "printf '%s' " + Commands.quote(word)).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).isZero();
            assertThat(out).as("word %s", word.replace("\n", "\\n")).isEqualTo(word);
        }
    }

    @Test
    void severalCommandsStopAtTheFirstFailure() throws Exception {
        SandboxJob.Command command = Commands.toCommand(List.of(List.of("echo", "it's"), List.of("sh", "-c", "exit 3"),
                List.of("echo", "never")));
        String script = ((SandboxJob.Script) command).body();
        Process p = new ProcessBuilder("/bin/sh", "-c", script).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(3);
        assertThat(out).isEqualTo("it's\n");
    }

    @Test
    void aNulCharacterIsRefused() {
        assertThatThrownBy(() -> Commands.quote("a\0b")).isInstanceOf(IllegalArgumentException.class);
    }
}
