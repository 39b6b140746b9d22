package dev.roost.sandbox.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The Java bridge, run inside a job's jail on the node's own JVM when perl is not there:
 * listens on {@code 127.0.0.1:PORT} in the job's network namespace and carries each TCP
 * connection to the job's egress socket, byte for byte, passing half-closes on. Prints
 * {@code ready} and closes standard output once it listens, which is what the jail's start
 * script waits for. It is the job's own process, trusted with nothing: the proxy judges what
 * arrives on the socket. Self-contained (the JDK only, no nested classes), because only this
 * class file is bound into the jail.
 */
public final class JailForwarder {
    private JailForwarder() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        UnixDomainSocketAddress socket = UnixDomainSocketAddress.of(Path.of(args[1]));
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        System.out.println("ready");
        System.out.close();
        while (true) {
            SocketChannel client = server.accept();
            Thread.ofVirtual().start(() -> serve(client, socket));
        }
    }

    private static void serve(SocketChannel client, UnixDomainSocketAddress socket) {
        try (client; SocketChannel proxy = SocketChannel.open(socket)) {
            Thread upload = Thread.ofVirtual().start(() -> pump(client, proxy));
            pump(proxy, client);
            upload.join();
        } catch (IOException | InterruptedException e) {
            // the job or the proxy went away
        }
    }

    /**
     * Copies {@code from} to {@code to} until end of stream, then half-closes {@code to}; on an
     * error closes both. Also the relay of the sandbox runtime's port bridge.
     */
    public static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
