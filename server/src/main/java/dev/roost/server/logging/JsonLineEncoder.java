package dev.roost.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.encoder.EncoderBase;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * One JSON object per line: time, level, logger, thread, message, the MDC (request id, actor)
 * and the exception, if any. Made for log shippers; {@code roost up} on a terminal uses text.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] NOTHING = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Instant.ofEpochMilli(event.getTimeStamp()).toString());
        line.put("level", event.getLevel().toString());
        line.put("logger", event.getLoggerName());
        line.put("thread", event.getThreadName());
        line.put("msg", event.getFormattedMessage());
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null) {
            mdc.forEach(line::putIfAbsent);
        }
        IThrowableProxy error = event.getThrowableProxy();
        if (error != null) {
            line.put("error", error.getClassName() + ": " + error.getMessage());
            StringBuilder stack = new StringBuilder();
            for (IThrowableProxy t = error; t != null; t = t.getCause()) {
                if (t != error) {
                    stack.append("Caused by: ").append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
                }
                StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
                for (int i = 0; i < Math.min(frames.length, 30); i++) {
                    stack.append("\tat ").append(frames[i].getStackTraceElement()).append('\n');
                }
            }
            line.put("stack", stack.toString());
        }
        byte[] json = JSON.writeValueAsBytes(line);
        byte[] out = new byte[json.length + 1];
        System.arraycopy(json, 0, out, 0, json.length);
        out[json.length] = '\n';
        return out;
    }

    @Override
    public byte[] footerBytes() {
        return NOTHING;
    }

}
