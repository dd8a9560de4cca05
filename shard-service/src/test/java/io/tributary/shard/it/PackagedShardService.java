package io.tributary.shard.it;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged shard-service ({@code target/quarkus-app}) run as a separate process. */
final class PackagedShardService {

    private final Map<String, String> datasource;
    private final int httpPort;
    final int grpcPort;
    private final Path log;
    private Process process;

    PackagedShardService(Map<String, String> datasource, Path log) throws IOException {
        this.datasource = datasource;
        this.httpPort = freePort();
        this.grpcPort = freePort();
        this.log = log;
    }

    void start() throws Exception {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: integration tests run after package");
        }
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(javaBin, "-Xmx512m"));
        datasource.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-Dquarkus.http.port=" + httpPort);
        command.add("-Dquarkus.grpc.server.port=" + grpcPort);
        command.add("-Dquarkus.otel.sdk.disabled=true");
        command.add("-jar");
        command.add(jar.toString());
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("shard-service exited with " + process.exitValue() + ", see " + log);
            }
            if (ready()) {
                return;
            }
            // Polling a child process's readiness from a plain test thread.
            process.waitFor(200, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("shard-service not ready within 90 s, see " + log);
    }

    private boolean ready() {
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

    /** SIGKILL: no shutdown hook, no flush, no goodbye. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
