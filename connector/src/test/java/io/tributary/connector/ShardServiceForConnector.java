package io.tributary.connector;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.CreateStreamRequest;
import io.tributary.protocol.v1.StreamAdminGrpc;
import io.tributary.protocol.v1.StreamRef;
import io.tributary.testsupport.PackagedService;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged shard-service as its own process on a real PostgreSQL, creates the streams the test
 * application's channels use, and points every channel at it.
 */
public class ShardServiceForConnector implements QuarkusTestResourceLifecycleManager {

    static final String TENANT = "000000000000";
    static final String STREAM = "connector-events";
    static final String DEAD_LETTERS = "connector-dead-letters";
    static volatile int grpcPort;
    static volatile int httpPort;

    private PackagedService shard;

    @Override
    public Map<String, String> start() {
        grpcPort = PackagedService.freePort();
        shard = new PackagedService("shard-service", "shard-service-for-connector")
                .with(PostgresTestResource.datasourceConfig())
                .with("quarkus.grpc.server.port", grpcPort)
                .with("tributary.shard.consumers.heartbeat-interval", "200ms")
                .start();
        httpPort = shard.httpPort();
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
            StreamAdminGrpc.StreamAdminBlockingStub admin = StreamAdminGrpc.newBlockingStub(channel);
            for (String name : new String[]{STREAM, DEAD_LETTERS}) {
                admin.createStream(CreateStreamRequest.newBuilder().setStream(StreamRef.newBuilder().setTenantId(TENANT)
                        .setStreamName(name + "-" + grpcPort)).setShardCount(name.equals(STREAM) ? 3 : 1).build());
            }
        } finally {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Map<String, String> config = new HashMap<>();
        for (String channelName : new String[]{"events-out", "events-in", "poison-in"}) {
            String direction = channelName.endsWith("-out") ? "outgoing" : "incoming";
            config.put("mp.messaging." + direction + "." + channelName + ".port", Integer.toString(grpcPort));
            config.put("mp.messaging." + direction + "." + channelName + ".host", "127.0.0.1");
            config.put("mp.messaging." + direction + "." + channelName + ".stream", STREAM + "-" + grpcPort);
        }
        config.put("mp.messaging.incoming.poison-in.dead-letter-stream", DEAD_LETTERS + "-" + grpcPort);
        return config;
    }

    @Override
    public void stop() {
        if (shard != null) {
            shard.stop();
        }
    }
}
