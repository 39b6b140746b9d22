package dev.roost.bench;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code roost up} process, started the way the launcher starts it:
 * {@code java [options] -jar cli/target/roost.jar up --home DIR --port PORT}. Measures the
 * time from spawning the process to the first 200 answer of {@code /readyz}.
 */
final class RoostServerProcess implements AutoCloseable {
    private static final Pattern POSTGRES_STARTED = Pattern.compile("Embedded PostgreSQL started on port (\\d+) in (\\d+) ms");
    private static final Pattern SERVER_READY = Pattern.compile("ready at \\S+ in (\\d+) ms");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private final Process process;
    private final Path home;
    private final Path log;
    private final int port;
    private final long readyNanos;
    private final long cpuMillisAtReady;

    private RoostServerProcess(Process process, Path home, Path log, int port, long readyNanos, long cpuMillisAtReady) {
        this.process = process;
        this.home = home;
        this.log = log;
        this.port = port;
        this.readyNanos = readyNanos;
        this.cpuMillisAtReady = cpuMillisAtReady;
    }

    /** Starts the server and returns once {@code /readyz} answers 200; fails if it exits or times out first. */
    static RoostServerProcess start(Path java, List<String> jvmOptions, Path jar, Path home, Path log, String adminPassword)
            throws IOException, InterruptedException {
        return start(java, jvmOptions, jar, home, log, adminPassword, Map.of());
    }

    /** As {@link #start(Path, List, Path, Path, Path, String)}, with settings ({@code ROOST_*} variables) of the benchmark's choosing. */
    static RoostServerProcess start(Path java, List<String> jvmOptions, Path jar, Path home, Path log, String adminPassword,
            Map<String, String> settings) throws IOException, InterruptedException {
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(), "up", "--home", home.toString(), "--port", Integer.toString(port)));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("ROOST_")); // measure the defaults, not this shell's settings
        env.put("ROOST_ADMIN_PASSWORD", adminPassword);
        env.put("ROOST_LOG_FORMAT", "json");
        env.putAll(settings);

        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                .timeout(Duration.ofSeconds(2)).build();
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            long spawned = System.nanoTime();
            Process process = builder.start();
            return awaitReady(client, ready, process, spawned, home, log, port);
        }
    }

    private static RoostServerProcess awaitReady(HttpClient client, HttpRequest ready, Process process, long spawned,
            Path home, Path log, int port) throws IOException, InterruptedException {
        long deadline = spawned + READY_TIMEOUT.toNanos();
        while (true) {
            try {
                HttpResponse<Void> response = client.send(ready, HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    long readyNanos = System.nanoTime() - spawned;
                    return new RoostServerProcess(process, home, log, port, readyNanos, ProcessMemory.cpuMillis(process.pid()));
                }
            } catch (ConnectException e) {
                // not listening yet
            } catch (IOException e) {
                // listening but not answering yet
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("roost up exited with status " + process.exitValue()
                        + " before it was ready; the end of its log (" + log + "):\n" + tail(log, 30));
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("roost up was not ready after " + READY_TIMEOUT.toSeconds()
                        + " s; the end of its log (" + log + "):\n" + tail(log, 30));
            }
            Thread.sleep(10);
        }
    }

    long pid() {
        return process.pid();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    Duration timeToReady() {
        return Duration.ofNanos(readyNanos);
    }

    /** CPU time the server process had used when it first answered ready (all its threads, JIT and GC included). */
    long cpuMillisAtReady() {
        return cpuMillisAtReady;
    }

    /** What the server logged about its own start: PostgreSQL start and the server's start work, in ms (-1 if absent). */
    record StartLog(long postgresMillis, long serverStartMillis) {
    }

    StartLog startLog() throws IOException {
        String text = Files.readString(log);
        Matcher pg = POSTGRES_STARTED.matcher(text);
        Matcher server = SERVER_READY.matcher(text);
        return new StartLog(pg.find() ? Long.parseLong(pg.group(2)) : -1, server.find() ? Long.parseLong(server.group(1)) : -1);
    }

    /** The embedded PostgreSQL's port, from the server's log. */
    int postgresPort() throws IOException {
        Matcher pg = POSTGRES_STARTED.matcher(Files.readString(log));
        if (!pg.find()) {
            throw new IllegalStateException("the server log does not name the embedded PostgreSQL's port: " + log);
        }
        return Integer.parseInt(pg.group(1));
    }

    OptionalLong rssKiB() {
        return ProcessMemory.rssKiB(process.pid());
    }

    ProcessMemory.Sum postgresMemory() throws IOException {
        return ProcessMemory.sum(postgresProcesses());
    }

    /** The embedded PostgreSQL's processes (postmaster and children), or none. */
    List<Long> postgresProcesses() throws IOException {
        return ProcessMemory.postgresProcesses(home.resolve("postgres").resolve("data"));
    }

    /** Sends SIGTERM, as Ctrl-C or systemd would, and waits for the process to exit; returns how long that took. */
    Duration stop() throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            throw new IllegalStateException("roost up did not stop within 90 s of SIGTERM; see " + log);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
