package io.tributary.ingest.api;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.testsupport.PackagedService;

import java.util.Map;

/**
 * Runs the packaged shard-service as a separate process on a real PostgreSQL, and points this service's
 * gRPC client at it.
 */
public class ShardServiceProcess implements QuarkusTestResourceLifecycleManager {

    /** The HTTP port of the running shard-service (its Kinesis API), for tests that read back. */
    public static volatile int httpPort;

    private PackagedService shard;

    @Override
    public Map<String, String> start() {
        int grpcPort = PackagedService.freePort();
        shard = new PackagedService("shard-service", "shard-service-for-tests")
                .with(PostgresTestResource.datasourceConfig())
                .with("quarkus.grpc.server.port", grpcPort)
                .start();
        httpPort = shard.httpPort();
        return Map.of("quarkus.grpc.clients.shard.host", "127.0.0.1",
                "quarkus.grpc.clients.shard.port", Integer.toString(grpcPort),
                "quarkus.grpc.clients.shard.test-port", Integer.toString(grpcPort));
    }

    @Override
    public void stop() {
        if (shard != null) {
            shard.stop();
        }
    }
}
