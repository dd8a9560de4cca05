package io.tributary.testsupport;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A packaged service of this repository ({@code <module>/target/quarkus-app/quarkus-run.jar}) run as a
 * separate JVM, configured with system properties, ready once its {@code /q/health/ready} answers 200.
 * Tests talk to it only over the network. Its output goes to {@code target/<name>.log} of the module
 * running the test.
 */
public final class PackagedService {

    private final String module;
    private final String name;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final int httpPort;
    private Process process;

    /**
     * @param module the module directory next to the one running the test, e.g. {@code shard-service}
     * @param name   a name for its log file
     */
    public PackagedService(String module, String name) {
        this.module = module;
        this.name = name;
        this.httpPort = freePort();
        properties.put("quarkus.http.port", Integer.toString(httpPort));
        properties.put("quarkus.otel.sdk.disabled", "true");
    }

    /** Adds a configuration property (a {@code -D} option). */
    public PackagedService with(String key, Object value) {
        properties.put(key, String.valueOf(value));
        return this;
    }

    /** Adds configuration properties. */
    public PackagedService with(Map<String, String> values) {
        properties.putAll(values);
        return this;
    }

    public int httpPort() {
        return httpPort;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** Starts the service and waits up to 90 s until it is ready. */
    public PackagedService start() {
        Path jar = locate(module);
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx384m"));
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toString());
        Path log = Path.of("target", name + ".log");
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!ready()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + ", see " + log.toAbsolutePath());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " not ready within 90 s, see " + log.toAbsolutePath());
                }
                // Polling a child process's readiness from a plain test thread.
                process.waitFor(200, TimeUnit.MILLISECONDS);
            }
            return this;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + name, e);
        }
    }

    private static Path locate(String module) {
        for (Path base : List.of(Path.of(".."), Path.of("."))) {
            Path jar = base.resolve(module).resolve("target").resolve("quarkus-app").resolve("quarkus-run.jar");
            if (Files.exists(jar)) {
                return jar;
            }
        }
        Path own = Path.of("target", "quarkus-app", "quarkus-run.jar");
        if (Files.exists(own) && Path.of("").toAbsolutePath().getFileName().toString().equals(module)) {
            return own;
        }
        throw new IllegalStateException(module + "/target/quarkus-app/quarkus-run.jar is missing: package " + module
                + " first (the reactor does when the test module depends on it)");
    }

    private boolean ready() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(baseUrl() + "/q/health/ready").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no flush. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** SIGTERM, then SIGKILL after 20 s. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A port free at the time of the call. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}
