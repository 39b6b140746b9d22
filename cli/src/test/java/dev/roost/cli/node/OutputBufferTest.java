package dev.roost.cli.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.sandbox.OutputListener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Output is cut into numbered chunks of whole UTF-8 text, in the order the streams wrote it. */
class OutputBufferTest {
    @Test
    void aCharacterSplitAcrossReadsIsHeldBackUntilItIsWhole() {
        TaskWorker.OutputBuffer buffer = new TaskWorker.OutputBuffer();
        byte[] check = "✓".getBytes(StandardCharsets.UTF_8); // three bytes
        buffer.onOutput(OutputListener.Stream.STDOUT, new byte[] {'o', 'k', check[0], check[1]});
        List<Map<String, Object>> chunks = new ArrayList<>();
        buffer.drainInto(chunks, false);
        assertThat(chunks).singleElement().satisfies(c -> assertThat(c.get("text")).isEqualTo("ok"));
        buffer.onOutput(OutputListener.Stream.STDOUT, new byte[] {check[2], '\n'});
        buffer.drainInto(chunks, false);
        assertThat(chunks).extracting(c -> c.get("text")).containsExactly("ok", "✓\n");
        assertThat(chunks).extracting(c -> c.get("seq")).containsExactly(0, 1);
    }

    @Test
    void bytesThatAreNotTextGoAsTheyAreInBase64() {
        TaskWorker.OutputBuffer buffer = new TaskWorker.OutputBuffer();
        byte[] binary = {(byte) 0xff, 0, (byte) 0xfe, 'x'};
        buffer.onOutput(OutputListener.Stream.STDOUT, "text\n".getBytes(StandardCharsets.UTF_8));
        buffer.onOutput(OutputListener.Stream.STDERR, binary);
        List<Map<String, Object>> chunks = new ArrayList<>();
        buffer.drainInto(chunks, true);
        assertThat(chunks.get(0)).containsEntry("text", "text\n").doesNotContainKey("base64");
        assertThat(chunks.get(1)).doesNotContainKey("text").containsEntry("stream", "stderr");
        assertThat(java.util.Base64.getDecoder().decode((String) chunks.get(1).get("base64"))).isEqualTo(binary);
    }

    @Test
    void streamsKeepTheirOrderAndLongOutputIsCutIntoChunks() {
        TaskWorker.OutputBuffer buffer = new TaskWorker.OutputBuffer();
        buffer.onOutput(OutputListener.Stream.STDOUT, "a".getBytes(StandardCharsets.UTF_8));
        buffer.onOutput(OutputListener.Stream.STDERR, "b".getBytes(StandardCharsets.UTF_8));
        buffer.onOutput(OutputListener.Stream.STDOUT, "c".repeat(40_000).getBytes(StandardCharsets.UTF_8));
        List<Map<String, Object>> chunks = new ArrayList<>();
        buffer.drainInto(chunks, true);
        assertThat(chunks).extracting(c -> c.get("stream")).containsExactly("stdout", "stderr", "stdout", "stdout", "stdout");
        assertThat(chunks.stream().skip(2).mapToInt(c -> ((String) c.get("text")).length()).sum()).isEqualTo(40_000);
        assertThat(chunks.stream().skip(2).allMatch(c -> ((String) c.get("text")).length() <= 16 * 1024)).isTrue();
    }

    @Test
    void completeUtf8PrefixDropsOnlyAStartedCharacter() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        assertThat(TaskWorker.OutputBuffer.completeUtf8Prefix(new byte[] {'a', euro[0]})).isEqualTo(1);
        assertThat(TaskWorker.OutputBuffer.completeUtf8Prefix(new byte[] {'a', euro[0], euro[1]})).isEqualTo(1);
        assertThat(TaskWorker.OutputBuffer.completeUtf8Prefix(new byte[] {'a', euro[0], euro[1], euro[2]})).isEqualTo(4);
        assertThat(TaskWorker.OutputBuffer.completeUtf8Prefix("abc".getBytes(StandardCharsets.UTF_8))).isEqualTo(3);
    }
}
