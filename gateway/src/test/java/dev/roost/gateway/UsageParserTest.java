package dev.roost.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Token counts in each wire format, whole bodies and streams cut at every byte. */
class UsageParserTest {
    private static TokenCounts parse(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return UsageParser.fromJson(b, 0, b.length);
    }

    @Test
    void eachFormatsUsage() {
        assertThat(parse("{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3,\"prompt_tokens_details\":"
                + "{\"cached_tokens\":4}}}")).isEqualTo(new TokenCounts(10, 3, 4));
        assertThat(parse("{\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":8,\"output_tokens\":2,"
                + "\"input_tokens_details\":{\"cached_tokens\":1}}}}")).isEqualTo(new TokenCounts(8, 2, 1));
        assertThat(parse("{\"usage\":{\"input_tokens\":5,\"output_tokens\":7,\"cache_read_input_tokens\":100,"
                + "\"cache_creation_input_tokens\":20}}")).as("Anthropic counts cache reads and writes apart")
                .isEqualTo(new TokenCounts(125, 7, 100));
        assertThat(parse("{\"usage\":{\"prompt_tokens\":6,\"total_tokens\":6}}")).isEqualTo(new TokenCounts(6, 0, 0));
        assertThat(parse("{\"candidates\":[],\"usageMetadata\":{\"promptTokenCount\":11,\"candidatesTokenCount\":4,"
                + "\"thoughtsTokenCount\":2,\"cachedContentTokenCount\":3}}")).as("Gemini: thoughts are output")
                .isEqualTo(new TokenCounts(11, 6, 3));
        assertThat(parse("[{\"usageMetadata\":{\"promptTokenCount\":11}},{\"usageMetadata\":{\"promptTokenCount\":11,"
                + "\"candidatesTokenCount\":9}}]")).as("Gemini's JSON-array stream").isEqualTo(new TokenCounts(11, 9, 0));
        assertThat(parse("{\"id\":\"x\"}")).isNull();
        assertThat(parse("not json")).isNull();
    }

    @Test
    void anAnthropicStreamIsMeteredHoweverItIsCutIntoChunks() {
        String stream = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25,"
                + "\"output_tokens\":1}}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\","
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\r\nevent: message_delta\r\ndata: {\"type\":"
                + "\"message_delta\",\"usage\":{\"output_tokens\":9}}\r\n\r\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < bytes.length; cut++) {
            SseUsageScanner scanner = new SseUsageScanner();
            scanner.accept(bytes, 0, cut);
            scanner.accept(bytes, cut, bytes.length - cut);
            assertThat(scanner.tokens()).as("cut at %d", cut).isEqualTo(new TokenCounts(25, 9, 0));
        }
    }

    @Test
    void anOpenAiStreamIsMeteredFromItsUsageChunk() {
        String stream = "data: {\"choices\":[{\"delta\":{\"content\":\"usage is a word\"}}]}\n\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":4}}\n\ndata: [DONE]\n\n";
        SseUsageScanner scanner = new SseUsageScanner();
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            scanner.accept(new byte[] {b}, 0, 1);
        }
        assertThat(scanner.tokens()).isEqualTo(new TokenCounts(11, 4, 0));
    }

    @Test
    void aGeminiStreamIsMeteredFromItsLastUsageMetadata() {
        String stream = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}],\"usageMetadata\":"
                + "{\"promptTokenCount\":9,\"totalTokenCount\":9}}\r\n\r\n"
                + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"!\"}]},\"finishReason\":\"STOP\"}],"
                + "\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":2,\"totalTokenCount\":11}}\r\n\r\n";
        SseUsageScanner scanner = new SseUsageScanner();
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            scanner.accept(new byte[] {b}, 0, 1);
        }
        assertThat(scanner.tokens()).isEqualTo(new TokenCounts(9, 2, 0));
    }

    @Test
    void pricesChargeCachedInputAtItsOwnRateAndRoundUp() {
        Price price = new Price("m", 2_500_000, 10_000_000, 1_250_000, "t", java.time.Instant.EPOCH);
        // 1000 uncached input at $2.5/M + 1000 cached at $1.25/M + 100 output at $10/M = 2500 + 1250 + 1000 micro-dollars
        assertThat(price.cost(new TokenCounts(2000, 100, 1000))).isEqualTo(4750);
        assertThat(price.cost(new TokenCounts(1, 0, 0))).as("a fraction of a micro-dollar rounds up").isEqualTo(3);
    }

    @Test
    void budgetsParseAndPrint() {
        assertThat(Budget.parse("20USD/month")).contains(new Budget(20_000_000, Budget.Period.MONTH));
        assertThat(Budget.parse("1.5 usd / day")).contains(new Budget(1_500_000, Budget.Period.DAY));
        assertThat(Budget.parse("0USD/day")).isEmpty();
        assertThat(Budget.parse("20EUR/month")).isEmpty();
        assertThat(Budget.parse("1.0000001USD/day")).isEmpty();
        assertThat(new Budget(20_000_000, Budget.Period.MONTH)).hasToString("20USD/month");
        assertThat(Budget.Period.MONTH.start(java.time.Instant.parse("2026-03-17T10:00:00Z")))
                .isEqualTo(java.time.Instant.parse("2026-03-01T00:00:00Z"));
    }

    @Test
    void theCircuitOpensAfterRepeatedFailuresAndLetsOneTrialThroughLater() {
        CircuitBreaker breaker = new CircuitBreaker(3, 1_000);
        long t = 0;
        for (int i = 0; i < 3; i++) {
            assertThat(breaker.allows(t)).isTrue();
            breaker.failed(t);
        }
        assertThat(breaker.allows(t + 10)).as("open").isFalse();
        assertThat(breaker.allows(t + 2_000)).as("half open: one trial").isTrue();
        assertThat(breaker.allows(t + 2_001)).as("only one trial at a time").isFalse();
        breaker.failed(t + 2_002);
        assertThat(breaker.allows(t + 2_500)).as("a failed trial reopens it").isFalse();
        assertThat(breaker.allows(t + 3_100)).isTrue();
        breaker.succeeded();
        assertThat(breaker.allows(t + 3_101)).isTrue();
        assertThat(breaker.allows(t + 3_102)).isTrue();
    }
}
