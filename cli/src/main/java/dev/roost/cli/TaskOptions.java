package dev.roost.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every way of submitting a task shares: limits, attachments, egress, placement. */
final class TaskOptions {
    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Kill the task after this many seconds (default: the node's, 600).")
    Integer timeoutSeconds;

    @Option(names = "--memory", paramLabel = "BYTES", description = "Memory limit in bytes, or with a suffix: 256Mi, 2Gi (default: the node's).")
    String memory;

    @Option(names = "--cpu", paramLabel = "MILLICORES", description = "CPU limit in thousandths of a core: 500 = half a core (default: the node's).")
    Long cpuMillis;

    @Option(names = "--attach", paramLabel = "FILE[=NAME]",
            description = "Put FILE in the task's working directory (as NAME, default its file name); repeatable.")
    List<String> attachments;

    @Option(names = "--egress-allow", paramLabel = "HOST",
            description = "Let the task reach HOST (or *.domain) over HTTP(S) through the node's egress proxy; repeatable.")
    List<String> egressAllow;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Run only on a node with this label; repeatable.")
    Map<String, String> labels;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
            description = "Submitting again with the same key returns the first task instead of a new one.")
    String idempotencyKey;

    @Option(names = {"-d", "--detach"}, description = "Print the task id and return at once instead of waiting for the task.")
    boolean detach;

    void addTo(Map<String, Object> body) {
        if (timeoutSeconds != null) {
            body.put("timeoutSeconds", timeoutSeconds);
        }
        if (memory != null) {
            body.put("memoryBytes", bytes(memory));
        }
        if (cpuMillis != null) {
            body.put("cpuMillis", cpuMillis);
        }
        if (egressAllow != null) {
            body.put("egressAllow", egressAllow);
        }
        if (labels != null) {
            body.put("nodeLabels", labels);
        }
        if (idempotencyKey != null) {
            body.put("idempotencyKey", idempotencyKey);
        }
        if (attachments != null) {
            List<Map<String, Object>> files = new ArrayList<>();
            for (String spec : attachments) {
                int eq = spec.indexOf('=');
                Path file = Path.of(eq < 0 ? spec : spec.substring(0, eq));
                String name = eq < 0 ? file.getFileName().toString() : spec.substring(eq + 1);
                try {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("name", name);
                    f.put("content", Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
                    files.add(f);
                } catch (IOException e) {
                    throw new CliException(ExitCodes.USAGE, "Cannot read --attach file " + file + ": " + e.getMessage());
                } catch (UncheckedIOException e) {
                    throw new CliException(ExitCodes.USAGE, "Cannot read --attach file " + file);
                }
            }
            body.put("attachments", files);
        }
    }

    static long bytes(String text) {
        String t = text.strip();
        long factor = 1;
        for (String[] unit : new String[][] {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}}) {
            if (t.endsWith(unit[0])) {
                factor = Long.parseLong(unit[1]);
                t = t.substring(0, t.length() - 2);
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new CliException(ExitCodes.USAGE, "--memory must be a number of bytes, or with Ki, Mi or Gi: " + text);
        }
    }
}
