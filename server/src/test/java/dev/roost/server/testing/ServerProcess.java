package dev.roost.server.testing;

import dev.roost.server.RoostServer;
import dev.roost.server.config.RoostConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Roost server in a separate JVM on an embedded database, so a test can kill it for real
 * ({@code kill -9}) and check what the next start makes of the leftovers.
 */
public final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final String url;
    private final String password;

    private ServerProcess(Process process, String url, String password) {
        this.process = process;
        this.url = url;
        this.password = password;
    }

    /**
     * Entry point of the child JVM: {@code ServerProcess HOME [RUNTIME]}. With runtime
     * {@code docker}, the Docker settings of this test run ({@code DockerTestSupport.settings()}:
     * its label and secret directory) come from the system properties the parent passes on.
     */
    public static void main(String[] args) throws Exception {
        RoostConfig config = RoostConfig.fromEnvironment(Map.of()).withHome(Path.of(args[0])).withPort(0)
                .withDurableEmbeddedDatabase(false).withReconcileInterval(java.time.Duration.ofSeconds(1));
        if (args.length > 1) {
            config = config.withRuntime(args[1]);
        }
        if (args.length > 1 && args[1].equals("docker")) {
            config = config.withDockerSettings(dev.roost.runtime.docker.DockerTestSupport.settings());
        }
        RoostServer server = RoostServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "stop-server"));
        System.out.println("READY " + server.url() + " " + server.firstStart().generatedPassword());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    public static ServerProcess start(Path home) throws IOException {
        return start(home, "none");
    }

    /** Starts a server on {@code home} whose instances run on {@code runtime} ({@code none}, {@code docker}). */
    public static ServerProcess start(Path home, String runtime) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-D" + dev.roost.runtime.docker.DockerTestSupport.RUN_PROPERTY + "="
                + dev.roost.runtime.docker.DockerTestSupport.run(), "-cp", System.getProperty("java.class.path"),
                ServerProcess.class.getName(), home.toAbsolutePath().toString(), runtime)
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) {
                String[] parts = line.split(" ");
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "server-process-output");
                drain.setDaemon(true);
                drain.start();
                return new ServerProcess(process, parts[1], parts[2]);
            }
            seen.append(line).append('\n');
        }
        throw new IllegalStateException("the server process ended before it was ready:\n" + seen);
    }

    public String url() {
        return url;
    }

    public String generatedPassword() {
        return password;
    }

    /** kill -9: no shutdown hook, no cleanup. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as a supervisor would send: the server stops its PostgreSQL; kill -9 after 60 s. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            kill();
        }
    }

    /** Stops the server if it still runs (a killed one stays killed; its PostgreSQL is the next start's to take over). */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
