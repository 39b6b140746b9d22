package dev.roost.gateway;

/**
 * Watches a server-sent event stream go by, chunk by chunk, and keeps the token counts of the
 * events that carry usage. Lines are reassembled across chunk boundaries; only {@code data:}
 * lines that mention {@code "usage"} are parsed, so ordinary deltas cost a byte scan.
 * Confined to the thread relaying the stream.
 */
public final class SseUsageScanner {
    private static final int MAX_LINE = 4 * 1024 * 1024;
    /** Matches {@code "usage"} and Gemini's {@code "usageMetadata"}. */
    private static final byte[] USAGE = "\"usage".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private byte[] line = new byte[8192];
    private int length;
    private boolean overflow;
    private TokenCounts tokens;

    public void accept(byte[] chunk, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            byte b = chunk[i];
            if (b == '\n') {
                endLine();
            } else if (!overflow) {
                if (length == line.length) {
                    if (line.length >= MAX_LINE) {
                        overflow = true;
                        continue;
                    }
                    line = java.util.Arrays.copyOf(line, Math.min(MAX_LINE, line.length * 2));
                }
                line[length++] = b;
            }
        }
    }

    private void endLine() {
        int end = length;
        if (end > 0 && line[end - 1] == '\r') {
            end--;
        }
        if (!overflow && end > 5 && line[0] == 'd' && line[1] == 'a' && line[2] == 't' && line[3] == 'a' && line[4] == ':'
                && contains(line, end, USAGE)) {
            int start = line[5] == ' ' ? 6 : 5;
            tokens = UsageParser.max(tokens, UsageParser.fromJson(line, start, end - start));
        }
        length = 0;
        overflow = false;
    }

    private static boolean contains(byte[] haystack, int end, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= end; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** The usage seen so far; {@link TokenCounts#NONE} when none. */
    public TokenCounts tokens() {
        return tokens == null ? TokenCounts.NONE : tokens;
    }

    public boolean sawUsage() {
        return tokens != null;
    }
}
