package dev.roost.cli.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What this machine offers, read from where Linux keeps it: {@code /proc/cpuinfo},
 * {@code /proc/meminfo}, the file system of the node's state directory, {@code bwrap --version},
 * the Docker socket, NVIDIA's {@code /proc/driver/nvidia/gpus}. A fact that cannot be read is left
 * out rather than guessed.
 */
public final class MachineFacts {
    private static final Pattern VERSION = Pattern.compile("(\\d+\\.\\d+(\\.\\d+)?)");

    private final Path stateDir;

    public MachineFacts(Path stateDir) {
        this.stateDir = stateDir;
    }

    /** The capabilities document the server's join and heartbeat routes take. */
    public Map<String, Object> capabilities(Map<String, String> labels) {
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("cpus", cpus());
        memInfo("MemTotal").ifPresent(v -> caps.put("memoryBytes", v));
        disk().ifPresent(store -> {
            try {
                caps.put("diskBytes", store.getTotalSpace());
            } catch (IOException e) {
                // left out
            }
        });
        List<Map<String, Object>> gpus = gpus();
        if (!gpus.isEmpty()) {
            caps.put("gpus", gpus);
        }
        caps.put("os", System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT));
        caps.put("arch", arch(System.getProperty("os.arch", "unknown")));
        List<Map<String, Object>> sandboxes = new ArrayList<>();
        bubblewrapVersion().ifPresent(v -> sandboxes.add(Map.of("kind", "bubblewrap", "version", v)));
        caps.put("sandboxes", sandboxes);
        caps.put("docker", Files.exists(Path.of("/var/run/docker.sock")));
        caps.put("labels", labels);
        return caps;
    }

    /** Current use: one-minute load average, available memory, free disk of the state directory. */
    public Map<String, Object> load(int runningJobs) {
        Map<String, Object> load = new LinkedHashMap<>();
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            load.put("loadAverage", Double.parseDouble(fields[0]));
        } catch (IOException | RuntimeException e) {
            // left out
        }
        memInfo("MemAvailable").ifPresent(v -> load.put("freeMemoryBytes", v));
        disk().ifPresent(store -> {
            try {
                load.put("freeDiskBytes", store.getUsableSpace());
            } catch (IOException e) {
                // left out
            }
        });
        load.put("runningJobs", runningJobs);
        return load;
    }

    static int cpus() {
        try {
            long processors = Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8).stream()
                    .filter(l -> l.startsWith("processor")).count();
            if (processors > 0) {
                return (int) processors;
            }
        } catch (IOException | RuntimeException e) {
            // fall back below
        }
        return java.lang.Runtime.getRuntime().availableProcessors();
    }

    static java.util.Optional<Long> memInfo(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    long value = Long.parseLong(parts[0]);
                    return java.util.Optional.of(parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value);
                }
            }
        } catch (IOException | RuntimeException e) {
            // left out
        }
        return java.util.Optional.empty();
    }

    private java.util.Optional<FileStore> disk() {
        try {
            Path existing = stateDir.toAbsolutePath();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            return existing == null ? java.util.Optional.empty() : java.util.Optional.of(Files.getFileStore(existing));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    static List<Map<String, Object>> gpus() {
        List<Map<String, Object>> gpus = new ArrayList<>();
        Path root = Path.of("/proc/driver/nvidia/gpus");
        if (!Files.isDirectory(root)) {
            return gpus;
        }
        try (var dirs = Files.list(root)) {
            for (Path dir : dirs.sorted().toList()) {
                String model = null;
                try {
                    for (String line : Files.readAllLines(dir.resolve("information"), StandardCharsets.UTF_8)) {
                        if (line.startsWith("Model:")) {
                            model = line.substring("Model:".length()).trim();
                        }
                    }
                } catch (IOException e) {
                    // model unknown
                }
                Map<String, Object> gpu = new LinkedHashMap<>();
                gpu.put("vendor", "nvidia");
                if (model != null) {
                    gpu.put("model", model);
                }
                gpus.add(gpu);
            }
        } catch (IOException e) {
            // none readable
        }
        return gpus;
    }

    /** The version {@code bwrap --version} prints, when bubblewrap is installed. */
    static java.util.Optional<String> bubblewrapVersion() {
        try {
            Process p = new ProcessBuilder("bwrap", "--version").redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return java.util.Optional.empty();
            }
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = VERSION.matcher(text);
            return p.exitValue() == 0 && m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    static String arch(String javaArch) {
        return switch (javaArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> javaArch;
        };
    }

    /** A node name from the host name: lower case, dots and other characters as dashes. */
    public static String defaultName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = System.getenv().getOrDefault("HOSTNAME", "node");
        }
        String name = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
        if (name.length() > 63) {
            name = name.substring(0, 63).replaceAll("-+$", "");
        }
        return name.isEmpty() ? "node" : name;
    }
}
