package dev.roost.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Two ways to load an HTTP server with one request over {@link RawHttp} connections:
 * <ul>
 * <li>an open loop: requests at a fixed rate whatever the server does, each on its own virtual
 * thread, every latency counted from the moment the request was <em>scheduled</em> (so a stall
 * shows in full instead of slowing the load generator down with it: no coordinated omission);
 * <li>a closed loop: a fixed number of clients, each sending its next request as soon as the
 * last one is answered, for the most requests per second the server sustains.
 * </ul>
 */
final class HttpLoad {
    /** How long an open loop waits for its last answers after sending its last request. */
    static final Duration GRACE = Duration.ofSeconds(5);

    private HttpLoad() {
    }

    /** One run. Times in nanoseconds, sorted: to the answer's end and to its body's first byte. */
    record Result(String name, int requests, long[] sortedLatencies, long[] sortedFirstBytes, int errors, String firstError,
            double seconds) {
        long p(double q) {
            return percentile(sortedLatencies, q);
        }

        long firstByte(double q) {
            return percentile(sortedFirstBytes, q);
        }

        /** Answered requests (errors included) per second of the run. */
        double throughput() {
            return requests / seconds;
        }

        private static long percentile(long[] sorted, double q) {
            if (sorted.length == 0) {
                return 0;
            }
            int index = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
        }
    }

    /** {@code rate * duration} requests at even intervals; a request counts as an error unless answered 200. */
    static Result openLoop(String name, RawHttp.Pool pool, RawHttp.Request request, double rate, Duration duration)
            throws InterruptedException {
        int total = (int) Math.round(rate * duration.toNanos() / 1e9);
        long interval = Math.round(1e9 / rate);
        long[] latencies = new long[total];
        long[] firstBytes = new long[total];
        Errors errors = new Errors();
        AtomicLong lastEnd = new AtomicLong();
        long start = System.nanoTime() + Duration.ofMillis(20).toNanos();
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        try {
            for (int i = 0; i < total; i++) {
                long scheduled = start + i * interval;
                long wait;
                while ((wait = scheduled - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                int slot = i;
                executor.execute(() -> {
                    long end;
                    long firstByte;
                    try {
                        RawHttp.Outcome outcome = pool.exchange(request);
                        errors.check(outcome);
                        end = outcome.endNanos();
                        firstByte = outcome.firstByteNanos();
                    } catch (Exception e) {
                        errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                        end = System.nanoTime();
                        firstByte = end;
                    }
                    latencies[slot] = end - scheduled;
                    firstBytes[slot] = firstByte - scheduled;
                    lastEnd.accumulateAndGet(end, Math::max);
                });
            }
        } finally {
            executor.shutdown();
            // A server that cannot keep up is not waited for without end: what is still unanswered a while
            // after the last request was sent fails (its connections are closed) and counts as an error.
            if (!executor.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                pool.close();
                executor.awaitTermination(1, TimeUnit.MINUTES);
            }
        }
        return result(name, latencies, firstBytes, errors, (lastEnd.get() - start) / 1e9);
    }

    /** {@code clients} clients sending back to back for {@code duration}; latencies from each send. */
    static Result closedLoop(String name, RawHttp.Pool pool, RawHttp.Request request, int clients, Duration duration)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        Errors errors = new Errors();
        long[][] latencies = new long[clients][];
        long[][] firstBytes = new long[clients][];
        AtomicInteger done = new AtomicInteger();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                executor.execute(() -> {
                    long[] mine = new long[4096];
                    long[] mineFirst = new long[4096];
                    int n = 0;
                    long sent;
                    while ((sent = System.nanoTime()) < deadline) {
                        long end;
                        long first;
                        try {
                            RawHttp.Outcome outcome = pool.exchange(request);
                            errors.check(outcome);
                            end = outcome.endNanos();
                            first = outcome.firstByteNanos();
                        } catch (Exception e) {
                            errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                            end = System.nanoTime();
                            first = end;
                        }
                        if (n == mine.length) {
                            mine = Arrays.copyOf(mine, n * 2);
                            mineFirst = Arrays.copyOf(mineFirst, n * 2);
                        }
                        mine[n] = end - sent;
                        mineFirst[n++] = first - sent;
                    }
                    latencies[client] = Arrays.copyOf(mine, n);
                    firstBytes[client] = Arrays.copyOf(mineFirst, n);
                    done.incrementAndGet();
                });
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return result(name, concat(latencies), concat(firstBytes), errors, seconds);
    }

    private static long[] concat(long[][] parts) {
        int total = 0;
        for (long[] p : parts) {
            total += p.length;
        }
        long[] all = new long[total];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static Result result(String name, long[] latencies, long[] firstBytes, Errors errors, double seconds) {
        Arrays.sort(latencies);
        Arrays.sort(firstBytes);
        return new Result(name, latencies.length, latencies, firstBytes, errors.count.get(), errors.first.get(), seconds);
    }

    private static final class Errors {
        final AtomicInteger count = new AtomicInteger();
        final AtomicReference<String> first = new AtomicReference<>();

        void check(RawHttp.Outcome outcome) {
            if (outcome.status() != 200) {
                add(outcome.status() + " " + OpenLoopLoad.abbreviate(String.valueOf(outcome.errorBody())));
            }
        }

        void add(String error) {
            count.incrementAndGet();
            first.compareAndSet(null, error);
        }
    }
}
