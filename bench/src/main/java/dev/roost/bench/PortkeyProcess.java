package dev.roost.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The Portkey AI gateway (npm {@code @portkey-ai/gateway}), run with Node on loopback as the
 * peer Roost's gateway is measured against. {@code bench/gateway.sh} installs it into
 * {@code bench/target/portkey}; it routes a request to a local OpenAI-compatible upstream with
 * the headers {@code x-portkey-provider: openai} and {@code x-portkey-custom-host}.
 */
final class PortkeyProcess implements AutoCloseable {
    static final String SCRIPT = "node_modules/@portkey-ai/gateway/build/start-server.js";

    private final Process process;
    private final int port;

    private PortkeyProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts Portkey from its install folder, or says why it cannot. */
    static Optional<PortkeyProcess> start(Path folder, Path log, StringBuilder whyNot) throws IOException, InterruptedException {
        Path script = folder.resolve(SCRIPT);
        if (!Files.exists(script)) {
            whyNot.append("not installed (").append(script).append(" is missing; bench/gateway.sh installs it with npm)");
            return Optional.empty();
        }
        int port = RoostServerProcess.freePort();
        ProcessBuilder builder = new ProcessBuilder(List.of("node", script.toString(), "--port=" + port, "--headless"))
                .directory(folder.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        Map<String, String> env = builder.environment();
        env.put("NODE_ENV", "production");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            whyNot.append("node could not be started (").append(e.getMessage()).append(")");
            return Optional.empty();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                whyNot.append("it exited with status ").append(process.exitValue()).append("; its log: ").append(log);
                return Optional.empty();
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return Optional.of(new PortkeyProcess(process, port));
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        whyNot.append("it did not listen within 30 s; its log: ").append(log);
        return Optional.empty();
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    OptionalLong rssKiB() {
        return ProcessMemory.rssKiB(process.pid());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
