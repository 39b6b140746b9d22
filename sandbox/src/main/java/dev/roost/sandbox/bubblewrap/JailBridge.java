package dev.roost.sandbox.bubblewrap;

import dev.roost.sandbox.egress.EgressSettings;
import dev.roost.sandbox.egress.JailForwarder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What carries a job's connections out of its network namespace: a small forwarder started
 * inside the jail, before the job, listening on {@code 127.0.0.1:}{@value #PORT} (the job's own
 * loopback) and passing each connection to the job's egress socket, bound at {@value #SOCKET}.
 * The jail's start script runs it in the background, waits until it prints {@code ready} (it
 * listens), then {@code exec}s the job, which keeps PID 2. The forwarder is the job's own
 * process: it counts against the job's memory and PIDs and dies with the job's namespace.
 *
 * <p>Two kinds, both found on a plain node: a perl script (Debian's {@code perl-base} is
 * essential, so every Debian and Ubuntu has it; one process, select loop, about 6 MiB) and a
 * Java program on the node's own JVM (any node has one; about 25 MiB and 12 threads).
 */
final class JailBridge {
    static final int PORT = 3128;
    static final String SOCKET = "/run/roost/egress.sock";
    static final String PROXY_URL = "http://127.0.0.1:" + PORT;
    static final String FAILED = "roost-sandbox: the egress bridge did not start";
    /** Where the bridge's files (the perl script, the Java class) are bound read-only in the jail. */
    private static final String BRIDGE_FILES = "/run/roost/bridge";
    private static final String PERL_SCRIPT = "egress-bridge.pl";

    /**
     * Relays bytes both ways with non-blocking sockets and bounded buffers (256 KiB per direction),
     * passing half-closes on; one process, one select loop. Only the {@code Socket}, {@code Fcntl}
     * and {@code Errno} modules of {@code perl-base}, which load in half the time of {@code IO::Socket}.
     */
    static final String PERL = """
            use strict; use warnings; use Socket; use Fcntl; use Errno qw(EAGAIN EINTR);
            my ($port, $path) = @ARGV;
            sub nonblocking { my $flags = fcntl($_[0], F_GETFL, 0); fcntl($_[0], F_SETFL, $flags | O_NONBLOCK) }
            socket(my $l, PF_INET, SOCK_STREAM, 0) or die "roost egress bridge: socket: $!\\n";
            setsockopt($l, SOL_SOCKET, SO_REUSEADDR, 1);
            bind($l, pack_sockaddr_in($port, inet_aton('127.0.0.1'))) && listen($l, 128)
                or die "roost egress bridge: cannot listen on 127.0.0.1:$port: $!\\n";
            nonblocking($l);
            $SIG{PIPE} = 'IGNORE';
            print STDOUT "ready\\n"; close STDOUT;
            my (%h, %peer, %buf, %eof);
            sub gone { my @both = ($_[0], $peer{$_[0]});
                for my $x (@both) { next unless defined $x && $h{$x}; close $h{$x}; delete @{$_}{$x} for \\%h, \\%peer, \\%buf, \\%eof } }
            while (1) {
                my ($r, $w) = ('', '');
                vec($r, fileno $l, 1) = 1;
                for my $fd (keys %h) {
                    vec($r, $fd, 1) = 1 if !$eof{$fd} && length($buf{$peer{$fd}}) < 262144;
                    vec($w, $fd, 1) = 1 if length $buf{$fd};
                }
                next if select(my $ro = $r, my $wo = $w, undef, undef) <= 0;
                if (vec($ro, fileno $l, 1)) {
                    while (accept(my $c, $l)) {
                        socket(my $u, PF_UNIX, SOCK_STREAM, 0) or do { close $c; next };
                        connect($u, pack_sockaddr_un($path)) or do { close $c; close $u; next };
                        nonblocking($c); nonblocking($u);
                        my ($a, $b) = (fileno $c, fileno $u);
                        @h{$a, $b} = ($c, $u); @peer{$a, $b} = ($b, $a); @buf{$a, $b} = ('', '');
                    }
                }
                for my $fd (keys %h) {
                    next unless $h{$fd};
                    my $p = $peer{$fd};
                    if (vec($wo, $fd, 1) && length $buf{$fd}) {
                        my $k = syswrite($h{$fd}, $buf{$fd});
                        if (defined $k) { substr($buf{$fd}, 0, $k) = '' }
                        elsif ($! != EAGAIN && $! != EINTR) { gone($fd); next }
                        shutdown($h{$fd}, 1) if !length $buf{$fd} && $eof{$p};
                    }
                    if (vec($ro, $fd, 1) && !$eof{$fd}) {
                        my $k = sysread($h{$fd}, my $data, 65536);
                        if ($k) { $buf{$p} .= $data }
                        elsif (defined $k) { $eof{$fd} = 1; shutdown($h{$p}, 1) unless length $buf{$p} }
                        elsif ($! != EAGAIN && $! != EINTR) { gone($fd); next }
                    }
                    gone($fd) if $eof{$fd} && $eof{$p} && !length $buf{$fd} && !length $buf{$p};
                }
            }
            """;

    /** Small heap, one compiler thread, serial GC, no perf data file: the JVM's least. */
    private static final List<String> JVM_OPTIONS = List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
            "-XX:+UseSerialGC", "-Xms4m", "-Xmx16m", "-Xss256k", "-XX:MaxMetaspaceSize=32m", "-XX:ReservedCodeCacheSize=8m",
            "-XX:-UsePerfData", "-Djdk.virtualThreadScheduler.parallelism=1");

    enum Kind {
        PERL,
        JAVA
    }

    private final Kind kind;
    private final List<String> command;
    private final List<String> binds;

    private JailBridge(Kind kind, List<String> command, List<String> binds) {
        this.kind = kind;
        this.command = command;
        this.binds = binds;
    }

    Kind kind() {
        return kind;
    }

    /**
     * The bridge this node uses, or why there is none. {@code bridgeRoot} receives the bridge's
     * file (a directory of the work root, bound read-only into jails with egress).
     */
    static Optional<JailBridge> find(EgressSettings.Bridge wanted, Path bridgeRoot, List<String> problems) {
        List<String> binds = List.of("--ro-bind", bridgeRoot.toString(), BRIDGE_FILES);
        if (wanted != EgressSettings.Bridge.JAVA) {
            Path perl = Path.of("/usr/bin/perl");
            if (Files.isExecutable(perl) && perlHasSockets(perl)) {
                try {
                    writeFile(bridgeRoot, PERL_SCRIPT, PERL.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } catch (IOException e) {
                    problems.add("cannot write the perl egress bridge under " + bridgeRoot + ": " + e);
                    return Optional.empty();
                }
                return Optional.of(new JailBridge(Kind.PERL, List.of(perl.toString(), BRIDGE_FILES + "/" + PERL_SCRIPT,
                        Integer.toString(PORT), SOCKET), binds));
            }
            if (wanted == EgressSettings.Bridge.PERL) {
                problems.add("the perl egress bridge needs /usr/bin/perl with its Socket, Fcntl and Errno modules (Debian: perl-base)");
                return Optional.empty();
            }
        }
        Path javaHome = Path.of(System.getProperty("java.home")).toAbsolutePath().normalize();
        Path java = javaHome.resolve("bin/java");
        if (!Files.isExecutable(java)) {
            problems.add("no perl (with Socket, Fcntl, Errno) and no " + java + " for the egress bridge");
            return Optional.empty();
        }
        try {
            writeForwarderClass(bridgeRoot);
        } catch (IOException e) {
            problems.add("cannot write the Java egress bridge under " + bridgeRoot + ": " + e);
            return Optional.empty();
        }
        List<String> javaBinds = new ArrayList<>(binds);
        if (!javaHome.startsWith("/usr/")) {
            // Jails see /usr; a JDK elsewhere (e.g. /opt) is bound read-only where it is.
            javaBinds.addAll(List.of("--ro-bind", javaHome.toString(), javaHome.toString()));
        }
        List<String> command = new ArrayList<>(List.of(java.toString()));
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-cp", BRIDGE_FILES, JailForwarder.class.getName(), Integer.toString(PORT), SOCKET));
        return Optional.of(new JailBridge(Kind.JAVA, List.copyOf(command), List.copyOf(javaBinds)));
    }

    /** bubblewrap arguments the bridge needs besides the socket. */
    List<String> binds() {
        return binds;
    }

    /**
     * Wraps the job's command: start the bridge, wait for its {@code ready}, then exec the job.
     * If the bridge does not say ready, the script exits 125 with {@link #FAILED} before the job runs.
     */
    List<String> wrap(List<String> job) {
        String script = "r=$(" + quote(command) + " </dev/null &); "
                + "[ \"$r\" = ready ] || { echo \"" + FAILED + " (" + kind.name().toLowerCase(java.util.Locale.ROOT)
                + ")\" >&2; exit 125; }; exec \"$@\"";
        List<String> c = new ArrayList<>(List.of("/bin/sh", "-c", script, "roost-job"));
        c.addAll(job);
        return c;
    }

    private static String quote(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            if (!b.isEmpty()) {
                b.append(' ');
            }
            b.append('\'').append(w.replace("'", "'\\''")).append('\'');
        }
        return b.toString();
    }

    private static boolean perlHasSockets(Path perl) {
        try {
            Process p = new ProcessBuilder(perl.toString(), "-MSocket", "-MFcntl", "-MErrno", "-e", "1")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Copies JailForwarder's class file out of the node's class path, into a package directory under {@code root}. */
    private static void writeForwarderClass(Path root) throws IOException {
        String resource = JailForwarder.class.getSimpleName() + ".class";
        byte[] bytes;
        try (InputStream in = JailForwarder.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the class path");
            }
            bytes = in.readAllBytes();
        }
        writeFile(root, JailForwarder.class.getPackageName().replace('.', '/') + "/" + resource, bytes);
    }

    /** Writes {@code root/relative} readable by all (the job user reads it), directories included; rewrites it only when it differs. */
    private static void writeFile(Path root, String relative, byte[] bytes) throws IOException {
        Path target = root.resolve(relative);
        Files.createDirectories(target.getParent());
        for (Path d = target.getParent(); d.startsWith(root); d = d.getParent()) {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        if (!Files.isRegularFile(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                || !java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
            Files.write(target, bytes);
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
