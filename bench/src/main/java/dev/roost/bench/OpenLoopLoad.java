package dev.roost.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * Sends requests at a fixed rate whatever the server does (an open loop), each on its own
 * virtual thread, and measures every latency from the time the request was <em>scheduled</em>,
 * not from when it was sent. A server that stalls therefore shows the full wait of every
 * request queued behind the stall, instead of the load generator quietly slowing down with
 * it (coordinated omission).
 */
final class OpenLoopLoad {
    private final HttpClient client;

    OpenLoopLoad(HttpClient client) {
        this.client = client;
    }

    /** The outcome of one run at one rate. Latencies in nanoseconds, sorted. */
    record Result(String name, int scheduled, long[] sortedLatencies, int errors, String firstError, double achievedRate,
            long maxSendLagNanos) {
        long percentile(double q) {
            if (sortedLatencies.length == 0) {
                return 0;
            }
            int index = (int) Math.ceil(q * sortedLatencies.length) - 1;
            return sortedLatencies[Math.max(0, Math.min(index, sortedLatencies.length - 1))];
        }

        long max() {
            return sortedLatencies.length == 0 ? 0 : sortedLatencies[sortedLatencies.length - 1];
        }
    }

    /**
     * Schedules {@code rate * duration} requests at even intervals; {@code requests} makes the
     * i-th request. A request counts as an error unless it is answered with {@code 200}.
     */
    Result run(String name, double rate, Duration duration, IntFunction<HttpRequest> requests) throws InterruptedException {
        int total = (int) Math.round(rate * duration.toNanos() / 1e9);
        long interval = Math.round(1e9 / rate);
        long[] latencies = new long[total];
        AtomicInteger errors = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicLong lastCompletion = new AtomicLong();
        long maxLag = 0;
        long start = System.nanoTime() + Duration.ofMillis(20).toNanos();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < total; i++) {
                long scheduled = start + i * interval;
                long wait;
                while ((wait = scheduled - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                maxLag = Math.max(maxLag, System.nanoTime() - scheduled);
                HttpRequest request = requests.apply(i);
                int slot = i;
                executor.execute(() -> {
                    String error = null;
                    try {
                        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        if (response.statusCode() != 200) {
                            error = response.statusCode() + " " + abbreviate(new String(response.body()));
                        }
                    } catch (Exception e) {
                        error = e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                    long end = System.nanoTime();
                    latencies[slot] = end - scheduled;
                    lastCompletion.accumulateAndGet(end, Math::max);
                    if (error != null) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, error);
                    }
                });
            }
        } // close() waits for every request to finish
        Arrays.sort(latencies);
        double seconds = (lastCompletion.get() - start) / 1e9;
        return new Result(name, total, latencies, errors.get(), firstError.get(), total / seconds, maxLag);
    }

    static String abbreviate(String s) {
        String flat = s.replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }
}
