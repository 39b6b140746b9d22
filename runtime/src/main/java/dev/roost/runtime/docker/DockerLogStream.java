package dev.roost.runtime.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.roost.runtime.LogLine;
import dev.roost.runtime.LogStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A container's log, read from Docker's multiplexed stream (requested with timestamps) and cut
 * into lines per stream. Frames are fed by docker-java's reader thread; {@link #next} is called
 * by the one consumer thread; {@link #close()} may come from any thread and closes the HTTP
 * response, which ends a follow at once.
 */
final class DockerLogStream extends ResultCallback.Adapter<Frame> implements LogStream {
    /** Longest line kept whole; longer ones are cut (Docker itself splits lines at 16 KiB). */
    private static final int MAX_LINE = 64 * 1024;
    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private volatile boolean ended;
    private volatile boolean closed;

    @Override
    public void onNext(Frame frame) {
        LogLine.Stream stream = frame.getStreamType() == StreamType.STDERR ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT;
        ByteArrayOutputStream buffer = stream == LogLine.Stream.STDERR ? stderr : stdout;
        byte[] payload = frame.getPayload();
        if (payload == null) {
            return;
        }
        synchronized (buffer) {
            for (byte b : payload) {
                if (b == '\n') {
                    emit(stream, buffer);
                } else if (buffer.size() < MAX_LINE) {
                    buffer.write(b);
                }
            }
        }
    }

    private void emit(LogLine.Stream stream, ByteArrayOutputStream buffer) {
        String raw = buffer.toString(StandardCharsets.UTF_8);
        buffer.reset();
        if (raw.endsWith("\r")) {
            raw = raw.substring(0, raw.length() - 1);
        }
        // With timestamps, every line starts with an RFC 3339 time and one space.
        Instant time = Instant.now();
        int space = raw.indexOf(' ');
        if (space > 0) {
            try {
                time = Instant.parse(raw.substring(0, space));
                raw = raw.substring(space + 1);
            } catch (DateTimeParseException e) {
                // not a timestamp: keep the whole line
            }
        }
        queue.add(new LogLine(time, stream, raw));
    }

    @Override
    public void onComplete() {
        finish();
        super.onComplete();
    }

    @Override
    public void onError(Throwable throwable) {
        finish();
        // A closed follow ends with an I/O error from the aborted response: not worth a log line.
        try {
            super.close();
        } catch (IOException e) {
            // already closing
        }
    }

    private void finish() {
        for (ByteArrayOutputStream buffer : new ByteArrayOutputStream[] {stdout, stderr}) {
            synchronized (buffer) {
                if (buffer.size() > 0) {
                    emit(buffer == stderr ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, buffer);
                }
            }
        }
        ended = true;
        queue.add(END);
    }

    @Override
    public Optional<LogLine> next(Duration timeout) {
        if (closed) {
            return Optional.empty();
        }
        try {
            Object item = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (item == END) {
                queue.add(END); // keep the marker for the next call
                return Optional.empty();
            }
            return Optional.ofNullable((LogLine) item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public boolean isFinished() {
        return closed || (ended && (queue.isEmpty() || queue.peek() == END));
    }

    @Override
    public void close() {
        closed = true;
        queue.add(END);
        try {
            super.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
