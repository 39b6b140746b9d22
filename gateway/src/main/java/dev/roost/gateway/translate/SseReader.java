package dev.roost.gateway.translate;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Splits a server-sent event stream into events as its bytes arrive in arbitrary chunks: lines
 * are reassembled across chunk boundaries ({@code \n}, {@code \r\n} or {@code \r}), {@code data:}
 * lines are joined, comments and unknown fields are skipped, and a blank line ends an event.
 * Confined to the thread relaying the stream.
 */
public final class SseReader {
    private static final int MAX_LINE = 16 * 1024 * 1024;

    private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    private final StringBuilder data = new StringBuilder();
    private String event;
    private boolean hasData;
    private boolean lastWasCr;

    /** Feeds bytes; complete events are appended to {@code out}. */
    public void accept(byte[] chunk, int offset, int count, List<SseEvent> out) {
        for (int i = offset; i < offset + count; i++) {
            byte b = chunk[i];
            if (b == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = b == '\r';
            if (b == '\n' || b == '\r') {
                endLine(out);
            } else if (line.size() < MAX_LINE) {
                line.write(b);
            }
        }
    }

    /** Ends the stream: an event not closed by a blank line is still delivered. */
    public void finish(List<SseEvent> out) {
        if (line.size() > 0) {
            endLine(out);
        }
        dispatch(out);
    }

    private void endLine(List<SseEvent> out) {
        if (line.size() == 0) {
            dispatch(out);
            return;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "event" -> event = value;
            default -> {
                // comments (":") and id/retry fields carry nothing to translate
            }
        }
    }

    private void dispatch(List<SseEvent> out) {
        if (hasData) {
            out.add(new SseEvent(event, data.toString()));
        }
        data.setLength(0);
        hasData = false;
        event = null;
    }
}
