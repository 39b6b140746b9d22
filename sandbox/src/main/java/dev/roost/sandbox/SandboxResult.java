package dev.roost.sandbox;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a job ended.
 *
 * @param exitCode           the job's exit status as a shell reports it: 0..255, and 128 + n when signal n killed it
 * @param signal             the signal that killed the job's main process, when one did (read from an exit status above 128, so a job that itself exits with such a status looks the same)
 * @param oomKilled          the kernel killed a process of the job because the memory limit was reached
 * @param timedOut           the wall-clock timeout ran out and the sandbox killed the process tree
 * @param cancelled          {@link RunningJob#cancel()} killed the process tree
 * @param duration           from the start of the jail to the end of the last process
 * @param stdout             what the job wrote to standard output, up to the cap
 * @param stderr             what the job wrote to standard error, up to the cap
 * @param artifacts          regular files the job left under {@code out/}, up to the artifact caps, in path order
 * @param artifactsTruncated some files under {@code out/} were left out because of the caps
 * @param workingDirectory   the kept working directory on the host, when the job asked to keep it
 * @param egress             what the job did through the egress proxy ({@link EgressSummary#NONE} for a job without egress)
 */
public record SandboxResult(int exitCode, OptionalInt signal, boolean oomKilled, boolean timedOut, boolean cancelled,
                            Duration duration, CapturedOutput stdout, CapturedOutput stderr, List<Artifact> artifacts,
                            boolean artifactsTruncated, Optional<Path> workingDirectory, EgressSummary egress) {
    public SandboxResult {
        requireNonNull(signal, "signal is null");
        requireNonNull(duration, "duration is null");
        requireNonNull(stdout, "stdout is null");
        requireNonNull(stderr, "stderr is null");
        artifacts = List.copyOf(artifacts);
        requireNonNull(workingDirectory, "workingDirectory is null");
        requireNonNull(egress, "egress is null");
    }

    /** A result of a job without egress. */
    public SandboxResult(int exitCode, OptionalInt signal, boolean oomKilled, boolean timedOut, boolean cancelled,
                         Duration duration, CapturedOutput stdout, CapturedOutput stderr, List<Artifact> artifacts,
                         boolean artifactsTruncated, Optional<Path> workingDirectory) {
        this(exitCode, signal, oomKilled, timedOut, cancelled, duration, stdout, stderr, artifacts, artifactsTruncated,
                workingDirectory, EgressSummary.NONE);
    }

    /** Ended by itself with status 0. */
    public boolean succeeded() {
        return exitCode == 0 && !timedOut && !cancelled && !oomKilled;
    }

    /**
     * Output kept from one stream.
     *
     * @param bytes      the first bytes, up to the cap
     * @param totalBytes all bytes the job wrote to the stream, kept or not
     */
    public record CapturedOutput(byte[] bytes, long totalBytes) {
        public CapturedOutput {
            bytes = bytes.clone();
            if (totalBytes < bytes.length) {
                throw new IllegalArgumentException("totalBytes " + totalBytes + " < kept " + bytes.length);
            }
        }

        /** Bytes were dropped because of the cap. */
        public boolean truncated() {
            return totalBytes > bytes.length;
        }

        /** The kept bytes as UTF-8 text (a character cut by the cap shows as a replacement). */
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }
    }

    /** A file from {@code out/}: its path relative to {@code out/} and its content. */
    public record Artifact(String path, byte[] content) {
        public Artifact {
            requireNonNull(path, "path is null");
            content = content.clone();
        }

        @Override
        public byte[] content() {
            return content.clone();
        }

        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }
}
