package dev.roost.sandbox.bubblewrap;

import dev.roost.sandbox.OutputListener;
import dev.roost.sandbox.SandboxResult.CapturedOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains one of a job's pipes: keeps and forwards the first {@code cap} bytes, counts and drops
 * the rest, so a job that writes without end costs a counter, not memory. Runs on its own
 * thread until the pipe closes; {@link #captured()} is read after that.
 */
final class OutputPump implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputPump.class);
    private static final int CHUNK = 16 * 1024;

    private final InputStream in;
    private final OutputListener.Stream stream;
    private final long cap;
    private final OutputListener listener;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private volatile long total;
    private boolean listening = true;

    OutputPump(InputStream in, OutputListener.Stream stream, long cap, OutputListener listener) {
        this.in = in;
        this.stream = stream;
        this.cap = cap;
        this.listener = listener;
    }

    @Override
    public void run() {
        byte[] buffer = new byte[CHUNK];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                long room = cap - kept.size();
                if (room > 0) {
                    int take = (int) Math.min(n, room);
                    synchronized (kept) {
                        kept.write(buffer, 0, take);
                    }
                    deliver(Arrays.copyOf(buffer, take));
                }
                total += n;
            }
        } catch (IOException e) {
            // The pipe closes under us when the job is killed; what was read is kept.
        }
    }

    private void deliver(byte[] chunk) {
        if (!listening) {
            return;
        }
        try {
            listener.onOutput(stream, chunk);
        } catch (RuntimeException e) {
            listening = false;
            LOG.warn("output listener failed on {}; it gets no more output from this job", stream, e);
        }
    }

    CapturedOutput captured() {
        synchronized (kept) {
            return new CapturedOutput(kept.toByteArray(), Math.max(total, kept.size()));
        }
    }
}
