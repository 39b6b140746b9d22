package dev.roost.server.jails;

import static java.util.Objects.requireNonNull;

import dev.roost.runtime.LogLine;
import dev.roost.runtime.LogRequest;
import dev.roost.runtime.LogStream;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.store.nodes.NodeJailRepository.LogRow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/**
 * A node jail's output as its node uploaded it: the last lines asked for, then, when following,
 * lines uploaded later (looked for a few times a second) until the jail stops or the stream is
 * closed. Owned by one reader thread; {@link #close()} may come from any thread.
 */
final class NodeLogStream implements LogStream {
    private static final Duration LOOK_EVERY = Duration.ofMillis(200);
    private static final int BATCH = 500;

    private final NodeRuntime runtime;
    private final String containerId;
    private final boolean follow;
    private final ArrayDeque<LogLine> pending = new ArrayDeque<>();
    private long cursor;
    private volatile boolean closed;
    private boolean ended;

    NodeLogStream(NodeRuntime runtime, String containerId, LogRequest request) {
        this.runtime = requireNonNull(runtime, "runtime is null");
        this.containerId = requireNonNull(containerId, "containerId is null");
        this.follow = request.follow();
        cursor = runtime.read(s -> s.nodeJails().lastLogSeq(containerId));
        if (request.tail() > 0) {
            List<LogRow> last = runtime.read(s -> s.nodeJails().lastLogs(containerId, request.tail()));
            for (LogRow row : last) {
                pending.add(NodeRuntime.line(row));
                cursor = Math.max(cursor, row.seq());
            }
        }
        ended = !follow;
    }

    @Override
    public Optional<LogLine> next(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!closed) {
            if (!pending.isEmpty()) {
                return Optional.of(pending.poll());
            }
            if (ended) {
                return Optional.empty();
            }
            try {
                // Whether it still runs is read before the lines, so the last lines before a stop are not missed.
                boolean running = runtime.stillRunning(containerId);
                List<LogRow> rows = runtime.read(s -> s.nodeJails().logsAfter(containerId, cursor, BATCH));
                for (LogRow row : rows) {
                    pending.add(NodeRuntime.line(row));
                    cursor = row.seq();
                }
                if (rows.isEmpty() && !running) {
                    ended = true;
                }
            } catch (RuntimeFailure e) {
                // The database did not answer: try again until the caller's time is up.
            }
            if (!pending.isEmpty()) {
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || ended) {
                return Optional.empty();
            }
            synchronized (this) {
                try {
                    wait(Math.max(1, Math.min(LOOK_EVERY.toMillis(), left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean isFinished() {
        return closed || (ended && pending.isEmpty());
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
    }
}
