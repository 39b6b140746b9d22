package dev.roost.gateway;

/**
 * Watches a server-sent event stream go by, chunk by chunk, and keeps the token counts of the
 * events that carry usage, and how many events went by. Lines are reassembled across chunk
 * boundaries; only {@code data:} lines that mention {@code "usage"} are parsed, so ordinary
 * deltas cost a byte scan.
 * Confined to the thread relaying the stream.
 */
public final class SseUsageScanner {
    private static final int MAX_LINE = 4 * 1024 * 1024;
    /** Matches {@code "usage"} and Gemini's {@code "usageMetadata"}. */
    private static final byte[] USAGE = "\"usage".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private byte[] line = new byte[1024];
    private int length;
    private boolean overflow;
    private TokenCounts tokens;
    private int dataLines;
    private int events;
    private boolean eventEnded;

    public void accept(byte[] chunk, int offset, int count) {
        int end = offset + count;
        for (int i = offset; i < end; i = scan(chunk, i, end)) {
            // each pass stops at an event's end
        }
    }

    /**
     * Scans {@code chunk[offset, end)} up to and including the blank line that ends the next
     * event, and returns the index just past it, or {@code end} when no event ends in the range;
     * {@link #eventEnded()} tells which. Lets a caller cut a stream between two events.
     */
    public int scan(byte[] chunk, int offset, int end) {
        eventEnded = false;
        for (int i = offset; i < end; i++) {
            byte b = chunk[i];
            if (b == '\n') {
                if (endLine()) {
                    eventEnded = true;
                    return i + 1;
                }
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
        return end;
    }

    /** Whether the last {@link #scan} stopped at the end of an event that carried data. */
    public boolean eventEnded() {
        return eventEnded;
    }

    /** Events with data seen to their end so far. */
    public int events() {
        return events;
    }

    /** Ends a line; true when it was the blank line that ends an event with data. */
    private boolean endLine() {
        int end = length;
        if (end > 0 && line[end - 1] == '\r') {
            end--;
        }
        boolean eventEnd = false;
        if (end == 0) {
            eventEnd = dataLines > 0;
            if (eventEnd) {
                events++;
            }
            dataLines = 0;
        } else if (end >= 5 && line[0] == 'd' && line[1] == 'a' && line[2] == 't' && line[3] == 'a' && line[4] == ':') {
            dataLines++;
            if (!overflow && end > 5 && contains(line, end, USAGE)) {
                int start = line[5] == ' ' ? 6 : 5;
                tokens = UsageParser.max(tokens, UsageParser.fromJson(line, start, end - start));
            }
        }
        length = 0;
        overflow = false;
        return eventEnd;
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
