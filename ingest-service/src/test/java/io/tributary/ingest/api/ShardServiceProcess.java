package io.tributary.ingest.api;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tributary.embeddeddb.PostgresTestResource;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged shard-service ({@code ../shard-service/target/quarkus-app}) as a separate process on
 * a real PostgreSQL, and points this service's gRPC client at it.
 */
public class ShardServiceProcess implements QuarkusTestResourceLifecycleManager {

    /** The HTTP port of the running shard-service (its Kinesis API), for tests that read back. */
    public static volatile int httpPort;
    public static volatile int grpcPort;

    private Process process;

    @Override
    public Map<String, String> start() {
        try {
            Path jar = Path.of("..", "shard-service", "target", "quarkus-app", "quarkus-run.jar");
            if (!Files.exists(jar)) {
                throw new IllegalStateException(jar + " is missing: build shard-service first (the reactor does)");
            }
            httpPort = freePort();
            grpcPort = freePort();
            Map<String, String> datasource = PostgresTestResource.datasourceConfig();
            String javaBin = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(List.of(javaBin, "-Xmx512m"));
            datasource.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("-Dquarkus.http.port=" + httpPort);
            command.add("-Dquarkus.grpc.server.port=" + grpcPort);
            command.add("-Dquarkus.otel.sdk.disabled=true");
            command.add("-jar");
            command.add(jar.toString());
            Path log = Path.of("target", "shard-service-for-tests.log");
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!ready()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("shard-service exited with " + process.exitValue() + ", see " + log);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("shard-service not ready within 90 s, see " + log);
                }
                process.waitFor(200, TimeUnit.MILLISECONDS);
            }
            Map<String, String> config = new HashMap<>();
            config.put("quarkus.grpc.clients.shard.host", "127.0.0.1");
            config.put("quarkus.grpc.clients.shard.port", Integer.toString(grpcPort));
            config.put("quarkus.grpc.clients.shard.test-port", Integer.toString(grpcPort));
            return config;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean ready() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready")
                    .toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
