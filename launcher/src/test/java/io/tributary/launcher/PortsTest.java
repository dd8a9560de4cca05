package io.tributary.launcher;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortsTest {

    @Test
    void portWithAListenerOnLoopbackIsInUse() throws IOException {
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));

            assertTrue(Ports.inUse(listener.getLocalPort()));
        }
    }

    @Test
    void portWithAListenerOnAllInterfacesIsInUse() throws IOException {
        try (ServerSocket listener = new ServerSocket(0)) {
            assertTrue(Ports.inUse(listener.getLocalPort()));
        }
    }

    @Test
    void closedPortIsFree() {
        int port = ServiceProcessTest.freePort();

        assertFalse(Ports.inUse(port));
    }
}
