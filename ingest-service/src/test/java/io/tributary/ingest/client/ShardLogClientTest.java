package io.tributary.ingest.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.tributary.ingest.config.IngestConfig;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.StreamRef;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batches sent to a shard-service that is not there fail, each through its own future, whether the
 * failure arrives later from gRPC's I/O thread (the first connection attempt) or at once on the sending
 * thread (a channel already known to be down): no batch is left without an answer and no send throws.
 */
class ShardLogClientTest {

    private static IngestConfig config() {
        IngestConfig.Appends appends = (IngestConfig.Appends) Proxy.newProxyInstance(IngestConfig.class.getClassLoader(),
                new Class<?>[] {IngestConfig.Appends.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "streams" -> 2;
                    case "timeout" -> Duration.ofSeconds(20);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (IngestConfig) Proxy.newProxyInstance(IngestConfig.class.getClassLoader(), new Class<?>[] {IngestConfig.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("appends")) {
                        return appends;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static AppendRequest.Builder batch() {
        return AppendRequest.newBuilder().setShardId("shardId-000000000000")
                .setStream(StreamRef.newBuilder().setTenantId("000000000042").setStreamName("s"));
    }

    @Test
    void everyBatchToAnUnreachableInstanceFailsThroughItsFuture() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        ManagedChannel configured = NettyChannelBuilder.forAddress("127.0.0.1", deadPort).usePlaintext().build();
        ShardLogClient client = new ShardLogClient(configured, config());
        try {
            for (int round = 0; round < 20; round++) {
                for (int spread = 0; spread < 4; spread++) {
                    // The configured channel and a named instance: both unreachable.
                    for (String endpoint : new String[] {"", "127.0.0.1:" + deadPort}) {
                        CompletableFuture<AppendResponse> answer = client.append(endpoint, batch(), spread);
                        ExecutionException failure = assertThrows(ExecutionException.class,
                                () -> answer.get(10, TimeUnit.SECONDS), "round " + round);
                        assertFalse(failure.getCause() instanceof java.util.concurrent.TimeoutException,
                                "the failure of the connection, not the answer's timeout: " + failure.getCause());
                        assertTrue(answer.isCompletedExceptionally());
                    }
                }
            }
        } finally {
            client.close();
            configured.shutdownNow();
        }
    }
}
