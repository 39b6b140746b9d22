package dev.roost.runtime;

import java.time.Duration;
import java.util.Optional;

/**
 * Log lines as they come. Owned by one reader thread; {@link #close()} may be called from any
 * thread and ends a blocked {@link #next}.
 */
public interface LogStream extends AutoCloseable {
    /**
     * The next line, waiting at most {@code timeout} for one. Empty when none came in time;
     * {@link #isFinished()} then says whether more can come.
     */
    Optional<LogLine> next(Duration timeout);

    /** Whether the stream has ended (not following, the container ended, or closed). */
    boolean isFinished();

    @Override
    void close();
}
