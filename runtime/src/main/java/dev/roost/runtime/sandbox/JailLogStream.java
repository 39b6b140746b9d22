package dev.roost.runtime.sandbox;

import dev.roost.runtime.LogLine;
import dev.roost.runtime.LogStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A jail's output as its supervisor wrote it: {@code log.1} (older) and {@code log}, one line per
 * output line, {@code EPOCH_MILLIS O|E TEXT}. The tail is read backwards from the end; following
 * polls the file for what was appended (every 50 ms) and ends once the jail has ended and
 * everything it wrote was delivered. One reader thread; {@link #close()} from any thread.
 */
final class JailLogStream implements LogStream {
    private static final long POLL_MILLIS = 50;

    private final Path dir;
    private final boolean follow;
    private final BooleanSupplier ended;
    private final ArrayDeque<LogLine> ready = new ArrayDeque<>();
    private long position;
    private byte[] partial = new byte[0];
    private volatile boolean closed;
    private boolean finished;

    JailLogStream(Path dir, int tail, boolean follow, BooleanSupplier ended) {
        this.dir = dir;
        this.follow = follow;
        this.ended = ended;
        Path log = dir.resolve("log");
        long size = size(log);
        this.position = size;
        if (tail > 0) {
            List<String> lines = lastLines(log, size, tail);
            if (lines.size() < tail) {
                Path older = dir.resolve("log.1");
                List<String> before = lastLines(older, size(older), tail - lines.size());
                List<String> all = new ArrayList<>(before);
                all.addAll(lines);
                lines = all;
            }
            lines.forEach(l -> parse(l).ifPresent(ready::add));
        }
    }

    @Override
    public Optional<LogLine> next(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (closed) {
                finished = true;
                ready.clear();
                return Optional.empty();
            }
            if (!ready.isEmpty()) {
                return Optional.of(ready.poll());
            }
            if (!follow) {
                finished = true;
                return Optional.empty();
            }
            boolean over = ended.getAsBoolean();
            readAppended();
            if (!ready.isEmpty()) {
                continue;
            }
            if (over) {
                finished = true;
                return Optional.empty();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            try {
                Thread.sleep(Math.min(POLL_MILLIS, Math.max(1, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    @Override
    public boolean isFinished() {
        return finished || closed;
    }

    @Override
    public void close() {
        closed = true;
    }

    private void readAppended() {
        Path log = dir.resolve("log");
        long size = size(log);
        if (size < position) {
            // Rotated: the rest of the old file is in log.1 now; its start is in the new log.
            Path older = dir.resolve("log.1");
            readRange(older, position, size(older));
            position = 0;
        }
        if (size > position) {
            readRange(log, position, size);
            position = size;
        }
    }

    private void readRange(Path file, long from, long to) {
        if (to <= from) {
            return;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            int length = (int) Math.min(to - from, 8L << 20);
            byte[] bytes = new byte[length];
            f.seek(from);
            f.readFully(bytes);
            byte[] all = new byte[partial.length + bytes.length];
            System.arraycopy(partial, 0, all, 0, partial.length);
            System.arraycopy(bytes, 0, all, partial.length, bytes.length);
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == '\n') {
                    parse(new String(all, start, i - start, StandardCharsets.UTF_8)).ifPresent(ready::add);
                    start = i + 1;
                }
            }
            partial = java.util.Arrays.copyOfRange(all, start, all.length);
        } catch (IOException e) {
            // gone (removed, rotated twice): nothing more to read from it
        }
    }

    static Optional<LogLine> parse(String line) {
        int a = line.indexOf(' ');
        if (a < 0 || a + 2 >= line.length() + 1) {
            return Optional.empty();
        }
        try {
            Instant time = Instant.ofEpochMilli(Long.parseLong(line.substring(0, a)));
            char tag = line.charAt(a + 1);
            String text = line.length() > a + 3 ? line.substring(a + 3) : "";
            return Optional.of(new LogLine(time, tag == 'E' ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, text));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The last {@code n} complete lines of the first {@code size} bytes of {@code file}, oldest first. */
    static List<String> lastLines(Path file, long size, int n) {
        if (size <= 0 || n <= 0) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long end = size;
            byte[] carry = new byte[0];
            long pos = size;
            while (pos > 0 && lines.size() < n) {
                int chunk = (int) Math.min(64 * 1024, pos);
                pos -= chunk;
                byte[] buf = new byte[chunk + carry.length];
                f.seek(pos);
                f.readFully(buf, 0, chunk);
                System.arraycopy(carry, 0, buf, chunk, carry.length);
                int lineEnd = buf.length;
                if (end == size && lineEnd > 0 && buf[lineEnd - 1] == '\n') {
                    lineEnd--;
                }
                end = -1;
                int i = lineEnd - 1;
                for (; i >= 0 && lines.size() < n; i--) {
                    if (buf[i] == '\n') {
                        lines.add(new String(buf, i + 1, lineEnd - i - 1, StandardCharsets.UTF_8));
                        lineEnd = i;
                    }
                }
                carry = java.util.Arrays.copyOfRange(buf, 0, Math.max(lineEnd, 0));
                if (pos == 0 && lines.size() < n && carry.length > 0) {
                    lines.add(new String(carry, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        Collections.reverse(lines);
        return lines;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
