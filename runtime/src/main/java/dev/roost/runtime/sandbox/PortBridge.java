package dev.roost.runtime.sandbox;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loopback TCP port of Roost's server that reaches one port of a jail. Each connection goes
 * to the jail's port forwarder (a process in the jail's network namespace, see
 * {@code port-forwarder.pl}) over its Unix socket, announces the port, and is then relayed byte
 * for byte. The jail itself gets no network: the forwarder is Roost's, outside the jail's mount
 * and PID namespaces. Listens on 127.0.0.1 only; closed when the jail stops or is removed.
 */
final class PortBridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PortBridge.class);

    private final ServerSocketChannel server;
    private final int port;
    private final Supplier<Path> forwarderSocket;
    private volatile boolean closed;

    /** {@code forwarderSocket} gives the forwarder's socket, starting the forwarder if needed; it throws when it cannot. */
    PortBridge(String containerId, int port, Supplier<Path> forwarderSocket) throws IOException {
        this.port = port;
        this.forwarderSocket = forwarderSocket;
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofVirtual().name("sandbox-bridge-" + containerId + "-" + port).start(this::acceptLoop);
    }

    InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("the bridge is closed", e);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("sandbox port bridge stopped accepting: {}", e.toString());
                }
                return;
            }
            Thread.ofVirtual().start(() -> serve(client));
        }
    }

    private void serve(SocketChannel client) {
        try (client; SocketChannel jail = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            jail.connect(UnixDomainSocketAddress.of(forwarderSocket.get()));
            ByteBuffer hello = ByteBuffer.wrap((port + "\n").getBytes(StandardCharsets.US_ASCII));
            while (hello.hasRemaining()) {
                jail.write(hello);
            }
            Thread back = Thread.ofVirtual().start(() -> pump(jail, client));
            pump(client, jail);
            back.join();
        } catch (IOException | RuntimeException e) {
            LOG.debug("sandbox port bridge connection ended: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pump(SocketChannel from, SocketChannel to) {
        dev.roost.sandbox.egress.JailForwarder.pump(from, to);
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
