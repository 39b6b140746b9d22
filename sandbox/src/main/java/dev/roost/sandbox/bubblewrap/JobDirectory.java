package dev.roost.sandbox.bubblewrap;

import dev.roost.sandbox.SandboxLimits;
import dev.roost.sandbox.SandboxResult.Artifact;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A job's directory on the host: {@code work/} (mounted read-write at {@code /work}, holding the
 * attachments and {@code out/}) and {@code job.sh} (a script job's body, mounted read-only).
 * Owned by the job's user, mode 0700, inside a work root that others may only traverse.
 *
 * <p>Everything here runs while no process of the job is alive (before the start, after the
 * kill), so the job cannot swap a file for a symbolic link under our feet; links are still
 * never followed.
 */
final class JobDirectory {
    /** Bounds the walk over {@code out/} however many files a job made. */
    private static final int MAX_ENTRIES_VISITED = 10_000;

    private final Path dir;
    private final OptionalInt uid;
    private final OptionalInt gid;

    private JobDirectory(Path dir, OptionalInt uid, OptionalInt gid) {
        this.dir = dir;
        this.uid = uid;
        this.gid = gid;
    }

    /** Makes {@code root/name} with an empty {@code work/out/}; owned by {@code uid:gid} when given (the node is root). */
    static JobDirectory create(Path root, String name, OptionalInt uid, OptionalInt gid) throws IOException {
        Path dir = root.resolve(name);
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        JobDirectory job = new JobDirectory(dir, uid, gid);
        try {
            Files.createDirectories(job.work().resolve("out"));
            job.own(dir);
            job.own(job.work());
            job.own(job.work().resolve("out"));
            return job;
        } catch (IOException | RuntimeException e) {
            job.delete();
            throw e;
        }
    }

    /** An existing job directory, to delete it. */
    static JobDirectory at(Path dir) {
        return new JobDirectory(dir, OptionalInt.empty(), OptionalInt.empty());
    }

    Path dir() {
        return dir;
    }

    Path work() {
        return dir.resolve("work");
    }

    Path script() {
        return dir.resolve("job.sh");
    }

    /** A waiting jail's {@code /run/roost} (read-only inside): its launch script and a script job's body go here. */
    Path run() {
        return dir.resolve("run");
    }

    /** Makes {@link #run()}, owned by the job's user. */
    void makeRun() throws IOException {
        Files.createDirectory(run(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        own(run());
    }

    /** Writes a file into {@link #run()}. */
    void writeRun(String name, String content) throws IOException {
        Path file = run().resolve(name);
        Files.writeString(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        own(file);
    }

    void writeScript(String body) throws IOException {
        Files.writeString(script(), body);
        own(script());
    }

    void writeAttachments(Map<String, byte[]> files) throws IOException {
        for (var e : files.entrySet()) {
            Path target = work().resolve(e.getKey()).normalize();
            if (!target.startsWith(work())) {
                throw new IllegalArgumentException("attachment leaves the working directory: " + e.getKey());
            }
            Path parent = target.getParent();
            List<Path> made = new ArrayList<>();
            for (Path p = parent; !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
                made.add(0, p);
            }
            for (Path p : made) {
                Files.createDirectory(p);
                own(p);
            }
            Files.write(target, e.getValue(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            own(target);
        }
    }

    /** The regular files under {@code out/}, in path order, within the limits; and whether any were left out. */
    Artifacts collectArtifacts(SandboxLimits limits) throws IOException {
        Path out = work().resolve("out");
        if (!Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
            return new Artifacts(List.of(), false);
        }
        List<Path> files = new ArrayList<>();
        boolean[] truncated = {false};
        int[] visited = {0};
        Files.walkFileTree(out, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                return ++visited[0] > MAX_ENTRIES_VISITED ? stop() : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (++visited[0] > MAX_ENTRIES_VISITED) {
                    return stop();
                }
                if (attrs.isRegularFile()) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }

            private FileVisitResult stop() {
                truncated[0] = true;
                return FileVisitResult.TERMINATE;
            }
        });
        files.sort(null);
        List<Artifact> artifacts = new ArrayList<>();
        long bytes = 0;
        for (Path file : files) {
            long size = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).size();
            if (artifacts.size() >= limits.maxArtifacts() || bytes + size > limits.maxArtifactBytes()) {
                truncated[0] = true;
                continue;
            }
            byte[] content;
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                content = in.readNBytes((int) Math.min(size, limits.maxArtifactBytes() - bytes));
            }
            bytes += content.length;
            artifacts.add(new Artifact(out.relativize(file).toString(), content));
        }
        return new Artifacts(artifacts, truncated[0]);
    }

    record Artifacts(List<Artifact> files, boolean truncated) {
    }

    /** Deletes the directory and all in it, whatever modes the job left; never follows links. */
    void delete() {
        dev.roost.sandbox.FileTree.delete(dir);
    }

    private void own(Path p) throws IOException {
        if (uid.isPresent()) {
            Files.setAttribute(p, "unix:uid", uid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", gid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
        }
    }
}
