package dev.roost.sandbox.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;

/**
 * The two things the egress proxy asks of the outside world: resolve a name, and connect to an
 * address. The proxy checks the addresses {@link #resolve} returned and passes the very address
 * it checked to {@link #connect}, so a second DNS answer can never slip in between (no DNS
 * rebinding). {@link #SYSTEM} is the real network; tests substitute a resolver that names their
 * own hosts and a connector that reaches them on this machine.
 */
public interface EgressNetwork {

    /** The addresses of a host name, from the system resolver in production. */
    List<InetAddress> resolve(String host) throws UnknownHostException;

    /** A connected TCP socket to exactly {@code address}. */
    Socket connect(InetSocketAddress address, Duration timeout) throws IOException;

    EgressNetwork SYSTEM = new EgressNetwork() {
        @Override
        public List<InetAddress> resolve(String host) throws UnknownHostException {
            return List.of(InetAddress.getAllByName(host));
        }

        @Override
        public Socket connect(InetSocketAddress address, Duration timeout) throws IOException {
            if (address.isUnresolved()) {
                throw new UnknownHostException("refusing to connect to an unresolved address: " + address.getHostString());
            }
            Socket s = new Socket();
            try {
                s.connect(address, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                s.setTcpNoDelay(true);
                return s;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        }
    };
}
