package io.tributary.connector;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.protocol.v1.ConsumerGroupsGrpc;
import io.tributary.protocol.v1.DescribeGroupRequest;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.GroupRef;
import io.tributary.protocol.v1.Position;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.ReadRequest;
import io.tributary.protocol.v1.ReadResponse;
import io.tributary.protocol.v1.ShardProgress;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamRef;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connector inside a Quarkus application, against shard-service running as its own process: an
 * emitter appends, consumer groups read back, checkpoints land in shard-service, nacked records go to a
 * dead-letter stream.
 */
@QuarkusTest
@WithTestResource(ShardServiceForConnector.class)
class TributaryConnectorTest {

    @Inject
    TestApplication app;

    ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", ShardServiceForConnector.grpcPort).usePlaintext().build();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static String stream() {
        return ShardServiceForConnector.STREAM + "-" + ShardServiceForConnector.grpcPort;
    }

    private GroupDescription describe(String group) {
        return ConsumerGroupsGrpc.newBlockingStub(channel).describeGroup(DescribeGroupRequest.newBuilder()
                .setGroup(GroupRef.newBuilder().setStream(StreamRef.newBuilder().setTenantId(ShardServiceForConnector.TENANT)
                        .setStreamName(stream())).setGroup(group)).build());
    }

    @Test
    void deliversEveryRecordOnceInOrderPerKeyAndCheckpointsIt() throws Exception {
        int keys = 30;
        int perKey = 10;
        for (int i = 0; i < perKey; i++) {
            List<CompletableFuture<Void>> round = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                round.add(app.send("key-" + k, "key-" + k + ":" + i).toCompletableFuture());
            }
            // One record per key in flight at a time keeps each key's order.
            CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> TestApplication.PAYLOADS.stream()
                .filter(p -> p.startsWith("key-")).count() >= keys * perKey);
        List<String> got = TestApplication.PAYLOADS.stream().filter(p -> p.startsWith("key-")).toList();
        assertEquals(keys * perKey, new HashSet<>(got).size(), "every record once");
        assertEquals(keys * perKey, got.size(), "no record twice");
        Map<String, Integer> last = new HashMap<>();
        for (String p : got) {
            String[] parts = p.split(":");
            int n = Integer.parseInt(parts[1]);
            assertEquals(last.getOrDefault(parts[0], -1) + 1, n, "records of " + parts[0] + " in order");
            last.put(parts[0], n);
        }
        assertEquals(3, TestApplication.RECEIVED.stream().map(IncomingTributaryMetadata::shardId).distinct().count(),
                "the member read all three shards");

        // What was acknowledged is checkpointed in shard-service: nothing left to read for the group.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            GroupDescription d = describe("collector");
            assertEquals(3, d.getShardsCount());
            for (ShardProgress s : d.getShardsList()) {
                assertEquals(0, s.getLagRecords(), s.toString());
                assertTrue(!s.getCheckpoint().isEmpty(), s.toString());
            }
            assertEquals(1, d.getMembersCount());
        });
    }

    @Test
    void sendsNackedRecordsToTheDeadLetterStream() throws Exception {
        app.send("p1", "poison-1").toCompletableFuture().get(30, TimeUnit.SECONDS);
        app.send("fine", "healthy").toCompletableFuture().get(30, TimeUnit.SECONDS);
        app.send("p2", "poison-2").toCompletableFuture().get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(60)).until(() -> TestApplication.SORTED_OUT.size() >= 2);
        String deadLetters = ShardServiceForConnector.DEAD_LETTERS + "-" + ShardServiceForConnector.grpcPort;
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            ReadResponse r = StreamLogGrpc.newBlockingStub(channel).read(ReadRequest.newBuilder()
                    .setStream(StreamRef.newBuilder().setTenantId(ShardServiceForConnector.TENANT).setStreamName(deadLetters))
                    .setShardId("shardId-000000000000").setPosition(Position.newBuilder().setType(PositionType.TRIM_HORIZON))
                    .build());
            assertEquals(List.of("poison-1", "poison-2"), r.getRecordsList().stream()
                    .map(rec -> rec.getData().toStringUtf8()).sorted().toList());
        });
        // Dead-lettered records count as processed: the group moves past them.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> describe("poison-sorter").getShardsList()
                .forEach(s -> assertEquals(0, s.getLagRecords(), s.toString())));
    }
}
