package io.tributary.launcher;

import com.sun.net.httpserver.HttpServer;
import sun.misc.Signal;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;

/**
 * Stands in for a Quarkus service in tests: a separate JVM serving {@code /q/health/ready}.
 *
 * <p>Arguments: {@code <port> <mode>}, mode one of {@code ready} (answers 200), {@code unready} (503),
 * {@code crash} (prints a line and exits with code 3 without listening), {@code stubborn} (ready, but ignores
 * SIGTERM so only SIGKILL ends it).
 */
public final class FakeService {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String mode = args[1];
        if (mode.equals("crash")) {
            System.out.println("fake service: configuration broken, giving up");
            System.exit(3);
        }
        if (mode.equals("stubborn")) {
            Signal.handle(new Signal("TERM"), signal -> System.out.println("fake service: ignoring SIGTERM"));
        }
        int status = mode.equals("unready") ? 503 : 200;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/q/health/ready", exchange -> {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        System.out.println("fake service listening on " + port + " in mode " + mode);
        new CountDownLatch(1).await();
    }
}
