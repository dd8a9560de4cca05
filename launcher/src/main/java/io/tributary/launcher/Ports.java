package io.tributary.launcher;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Port checks done before starting anything, so a clash is reported by name instead of as a stack trace. */
final class Ports {

    private static final int CONNECT_TIMEOUT_MILLIS = 300;

    private Ports() {
    }

    /**
     * Whether something already holds the port. Binding the wildcard address catches listeners on any
     * interface; the connect catches a listener the bind test cannot see (another network namespace
     * forwarding to loopback, for one).
     */
    static boolean inUse(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(port));
        } catch (IOException e) {
            return true;
        }
        return accepts("127.0.0.1", port);
    }

    /** Whether a TCP connection to the address succeeds. */
    static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
