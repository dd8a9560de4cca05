package io.tributary.gateway.routing;

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
 * shard-service and ingest-service, packaged, each as its own process on a real PostgreSQL; the gateway
 * under test forwards to them. The gateway's bootstrap key is {@code test}/{@code test} of account
 * {@value #ACCOUNT}.
 */
public class ServicesBehindGateway implements QuarkusTestResourceLifecycleManager {

    static final String ACCOUNT = "000000000000";

    private final List<Process> processes = new ArrayList<>();

    @Override
    public Map<String, String> start() {
        Map<String, String> datasource = PostgresTestResource.datasourceConfig();
        try {
            int shardHttp = freePort();
            int shardGrpc = freePort();
            start("shard-service", datasource, Map.of("quarkus.http.port", shardHttp, "quarkus.grpc.server.port", shardGrpc), shardHttp);
            int ingestHttp = freePort();
            start("ingest-service", Map.of(), Map.of("quarkus.http.port", ingestHttp,
                    "quarkus.grpc.clients.shard.port", shardGrpc), ingestHttp);
            Map<String, String> config = new HashMap<>(datasource);
            config.put("tributary.gateway.services.shard-url", "http://127.0.0.1:" + shardHttp);
            config.put("tributary.gateway.services.ingest-url", "http://127.0.0.1:" + ingestHttp);
            config.put("tributary.gateway.bootstrap.access-key-id", "test");
            config.put("tributary.gateway.bootstrap.secret-access-key", "test");
            config.put("tributary.gateway.bootstrap.account-id", ACCOUNT);
            return config;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void start(String service, Map<String, String> datasource, Map<String, Integer> ports, int httpPort)
            throws IOException, InterruptedException {
        Path jar = Path.of("..", service, "target", "quarkus-app", "quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: the reactor builds it before the gateway");
        }
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx384m"));
        datasource.forEach((k, v) -> command.add("-D" + k + "=" + v));
        ports.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-Dquarkus.otel.sdk.disabled=true");
        command.add("-jar");
        command.add(jar.toString());
        Path log = Path.of("target", service + "-behind-gateway.log");
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        processes.add(process);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!ready(httpPort)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(service + " exited with " + process.exitValue() + ", see " + log);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(service + " not ready within 90 s, see " + log);
            }
            process.waitFor(200, TimeUnit.MILLISECONDS);
        }
    }

    private static boolean ready(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/q/health/ready").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void stop() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
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
