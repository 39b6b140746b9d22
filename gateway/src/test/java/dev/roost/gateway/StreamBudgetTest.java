package dev.roost.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** Cutting a stream where a key's budget runs out: event boundaries, the estimate, the last event in each format. */
class StreamBudgetTest {
    private static final Price ONE_MILLI_A_TOKEN = new Price("m", 1_000_000_000, 1_000_000_000, 0, "t", Instant.EPOCH);

    @Test
    void theScannerStopsAtEachEventEndHoweverTheStreamIsCut() {
        String stream = "event: a\ndata: {\"x\":1}\n\n: comment\n\ndata: {\"x\":2}\r\n\r\ndata: [DONE]\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < bytes.length; cut++) {
            SseUsageScanner scanner = new SseUsageScanner();
            List<Integer> ends = new ArrayList<>();
            for (int[] range : new int[][] {{0, cut}, {cut, bytes.length}}) {
                for (int i = range[0]; i < range[1]; ) {
                    i = scanner.scan(bytes, i, range[1]);
                    if (scanner.eventEnded()) {
                        ends.add(i);
                    }
                }
            }
            assertThat(ends).as("cut at %d; a comment-only block is no event", cut)
                    .containsExactly(stream.indexOf("\n\n") + 2, stream.indexOf("\r\n\r\n") + 4, bytes.length);
            assertThat(scanner.events()).isEqualTo(3);
        }
    }

    @Test
    void theEstimateCountsRequestBytesAndEventsUntilTheProviderReports() {
        AtomicLong others = new AtomicLong(10_000); // 10 tokens' worth spent by earlier requests
        StreamBudget budget = new StreamBudget(new Budget(50_000, Budget.Period.TOTAL), ONE_MILLI_A_TOKEN, 80, others::get);
        // 80 bytes of request: about 20 input tokens; 10 + 20 + events reaches 50 at the 20th event
        assertThat(budget.exhausted(TokenCounts.NONE, 19)).isFalse();
        assertThat(budget.exhausted(TokenCounts.NONE, 20)).isTrue();
        assertThat(budget.tokens(TokenCounts.NONE)).isEqualTo(new TokenCounts(20, 20, 0));
        assertThat(budget.exhausted(new TokenCounts(5, 3, 0), 20)).as("reported input replaces the guess").isFalse();
        others.set(40_000);
        assertThat(budget.exhausted(new TokenCounts(5, 3, 0), 5)).as("other requests' spending counts").isTrue();
        assertThat(budget.tokens(new TokenCounts(5, 30, 0))).isEqualTo(new TokenCounts(5, 30, 0));
    }

    @Test
    void theLastEventSpeaksTheClientsFormat() {
        JsonMapper json = JsonMapper.builder().build();
        String message = "Key \"k\"… spent its budget";
        String anthropic = new String(StreamBudget.endEvent(Endpoint.MESSAGES, message), StandardCharsets.UTF_8);
        assertThat(anthropic).startsWith("event: error\ndata: ").endsWith("\n\n");
        assertThat(json.readTree(anthropic.substring(anthropic.indexOf("data: ") + 6)).path("error").path("type").asString())
                .isEqualTo("billing_error");
        String responses = new String(StreamBudget.endEvent(Endpoint.RESPONSES, message), StandardCharsets.UTF_8);
        assertThat(json.readTree(responses.substring(responses.indexOf("data: ") + 6)).path("code").asString())
                .isEqualTo("BUDGET_EXCEEDED");
        String chat = new String(StreamBudget.endEvent(Endpoint.CHAT_COMPLETIONS, message), StandardCharsets.UTF_8);
        assertThat(chat).endsWith("\n\ndata: [DONE]\n\n");
        assertThat(json.readTree(chat.substring(6, chat.indexOf("\n\n"))).path("error").path("message").asString())
                .isEqualTo(message);
    }
}
