package dev.roost.runtime.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Roost's own iptables rules for instance networks. Docker runs here with
 * {@code --iptables=false} (and even with Docker's rules, an "internal" network only stops
 * forwarding: the host's own ports stay open to it). Without these rules a container on an
 * instance network can open connections to every port of the host, through the bridge's
 * address or any other of the host's addresses, and to containers of other instances (the
 * host routes between bridges).
 *
 * <p>The rules match bridge interfaces by name prefix, so they are the same for every
 * instance and are installed once, not per network:
 * <pre>
 * INPUT   -i roost+ -j ROOST-INPUT
 * FORWARD -i roost+ -j ROOST-FORWARD
 * FORWARD -o roost+ -j ROOST-FORWARD
 * ROOST-INPUT:   accept replies (ESTABLISHED,RELATED); accept TCP to the gateway port from
 *                {@code roostg*} bridges (instances with gateway egress); drop the rest
 * ROOST-FORWARD: drop (no traffic between instances, nothing to or from other networks)
 * </pre>
 * ip6tables gets the same chains without the gateway rule, when it works. Connections the
 * host opens into a container (probes, webhook forwarding) leave through OUTPUT and are not
 * affected; their replies are accepted as ESTABLISHED.
 *
 * <p>Installed before the first instance network is created, removed when the daemon has no
 * Roost network left. Needs root (CAP_NET_ADMIN) and the {@code iptables} package; when either
 * is missing, {@link #available()} is false and the caller decides what that means.
 * Thread-safe: every method is synchronized.
 */
final class HostFirewall {
    private static final Logger log = LoggerFactory.getLogger(HostFirewall.class);

    static final String INPUT_CHAIN = "ROOST-INPUT";
    static final String FORWARD_CHAIN = "ROOST-FORWARD";
    /** Every Roost bridge starts with this; {@code roost+} in iptables matches them all. */
    static final String BRIDGE_PREFIX = "roost";

    private final int gatewayPort;
    private Boolean available;
    private boolean installed;

    HostFirewall(int gatewayPort) {
        this.gatewayPort = gatewayPort;
    }

    /** Whether iptables can be used here (checked once). */
    synchronized boolean available() {
        if (available == null) {
            Result r = run(List.of("iptables", "-w", "5", "-S", "INPUT"), null);
            available = r.exit == 0;
            if (!available) {
                log.debug("iptables cannot be used here: {}", r.output);
            }
        }
        return available;
    }

    synchronized boolean installed() {
        return installed;
    }

    /** Installs (or refreshes) the chains and the jumps to them. Idempotent. */
    synchronized void install() {
        if (!available()) {
            throw new IllegalStateException("iptables cannot be used here");
        }
        restore("iptables", true);
        jumps("iptables", true);
        if (run(List.of("ip6tables", "-w", "5", "-S", "INPUT"), null).exit == 0) {
            restore("ip6tables", false);
            jumps("ip6tables", true);
        }
        if (!installed) {
            log.info("host firewall for Roost's container networks installed (gateway port {})", gatewayPort);
        }
        installed = true;
    }

    /** Removes the jumps and the chains. Idempotent; a missing chain is fine. */
    synchronized void uninstall() {
        if (!available()) {
            return;
        }
        for (String tool : List.of("iptables", "ip6tables")) {
            jumps(tool, false);
            for (String chain : List.of(INPUT_CHAIN, FORWARD_CHAIN)) {
                run(List.of(tool, "-w", "5", "-F", chain), null);
                run(List.of(tool, "-w", "5", "-X", chain), null);
            }
        }
        if (installed) {
            log.info("host firewall for Roost's container networks removed (no Roost network left)");
        }
        installed = false;
    }

    /** Replaces both chains' contents in one transaction (a chain declared in a restore file is flushed). */
    private void restore(String tool, boolean withGateway) {
        StringBuilder rules = new StringBuilder();
        rules.append("*filter\n");
        rules.append(':').append(INPUT_CHAIN).append(" - [0:0]\n");
        rules.append(':').append(FORWARD_CHAIN).append(" - [0:0]\n");
        rules.append("-A ").append(INPUT_CHAIN).append(" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        if (withGateway) {
            rules.append("-A ").append(INPUT_CHAIN).append(" -i ").append(InstanceNetwork.Kind.GATEWAY.bridgePrefix())
                    .append("+ -p tcp --dport ").append(gatewayPort).append(" -j ACCEPT\n");
        }
        rules.append("-A ").append(INPUT_CHAIN).append(" -j DROP\n");
        rules.append("-A ").append(FORWARD_CHAIN).append(" -j DROP\n");
        rules.append("COMMIT\n");
        Result r = run(List.of(tool + "-restore", "-w", "5", "--noflush"), rules.toString());
        if (r.exit != 0) {
            throw new IllegalStateException(tool + "-restore failed: " + r.output);
        }
    }

    private void jumps(String tool, boolean add) {
        List<List<String>> jumps = List.of(
                List.of("INPUT", "-i", BRIDGE_PREFIX + "+", "-j", INPUT_CHAIN),
                List.of("FORWARD", "-i", BRIDGE_PREFIX + "+", "-j", FORWARD_CHAIN),
                List.of("FORWARD", "-o", BRIDGE_PREFIX + "+", "-j", FORWARD_CHAIN));
        for (List<String> jump : jumps) {
            if (add) {
                if (run(command(tool, "-C", jump), null).exit != 0) {
                    List<String> insert = new ArrayList<>(List.of(tool, "-w", "5", "-I", jump.get(0), "1"));
                    insert.addAll(jump.subList(1, jump.size()));
                    Result r = run(insert, null);
                    if (r.exit != 0) {
                        throw new IllegalStateException(tool + " could not add a jump to " + jump.getLast() + ": " + r.output);
                    }
                }
            } else {
                // A jump may have been added twice by hand or by an older run: delete until none is left.
                for (int i = 0; i < 10 && run(command(tool, "-D", jump), null).exit == 0; i++) {
                    // deleted one
                }
            }
        }
    }

    private static List<String> command(String tool, String op, List<String> rule) {
        List<String> command = new ArrayList<>(List.of(tool, "-w", "5", op));
        command.addAll(rule);
        return command;
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, String stdin) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            byte[] out;
            try (InputStream o = p.getInputStream()) {
                out = o.readNBytes(8192);
            }
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", command) + " did not finish within 15 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return new Result(-1, command.getFirst() + " could not be run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
