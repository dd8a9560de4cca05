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
        // Three shards at first (another test may split one meanwhile): the member read from all of them.
        assertTrue(TestApplication.RECEIVED.stream().filter(m -> m.partitionKey().startsWith("key-"))
                .map(IncomingTributaryMetadata::shardId).distinct().count() >= 3, "the member read every shard");

        // What was acknowledged is checkpointed in shard-service: nothing left to read for the group.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            GroupDescription d = describe("collector");
            assertTrue(d.getShardsCount() >= 3, d.toString());
            for (ShardProgress s : d.getShardsList()) {
                assertEquals(0, s.getLagRecords(), s.toString());
            }
            assertTrue(d.getShardsList().stream().filter(s -> !s.getCheckpoint().isEmpty()).count() >= 3, d.toString());
            assertEquals(1, d.getMembersCount());
        });
    }

    /**
     * A shard is split while records flow: the member reads the parent to its end, checkpoints its end,
     * and only then gets the children, so every key's records still arrive in order.
     */
    @Test
    void keepsEachKeysOrderAcrossASplit() throws Exception {
        int keys = 20;
        for (int i = 0; i < 10; i++) {
            if (i == 5) {
                split("shardId-000000000000");
            }
            List<CompletableFuture<Void>> round = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                round.add(app.send("split-" + k, "split-" + k + ":" + i).toCompletableFuture());
            }
            CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> TestApplication.PAYLOADS.stream()
                .filter(p -> p.startsWith("split-")).count() >= keys * 10);
        Map<String, Integer> last = new HashMap<>();
        for (String p : TestApplication.PAYLOADS) {
            if (!p.startsWith("split-")) {
                continue;
            }
            String[] parts = p.split(":");
            int n = Integer.parseInt(parts[1]);
            assertEquals(last.getOrDefault(parts[0], -1) + 1, n, "records of " + parts[0] + " in order, none twice");
            last.put(parts[0], n);
        }
        assertTrue(TestApplication.RECEIVED.stream().anyMatch(m -> m.partitionKey().startsWith("split-")
                && (m.shardId().equals("shardId-000000000003") || m.shardId().equals("shardId-000000000004"))),
                "records of the split shard's keys were read from its children");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertTrue(describe("collector").getShardsList().stream()
                .anyMatch(s -> s.getShardId().equals("shardId-000000000000") && s.getFinished()), "the parent is done"));
    }

    private void split(String shardId) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.math.BigInteger mid = java.math.BigInteger.ONE.shiftLeft(128).divide(java.math.BigInteger.valueOf(6));
        java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + ShardServiceForConnector.httpPort + "/"))
                .header("X-Amz-Target", "Kinesis_20131202.SplitShard").header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Tributary-Tenant", ShardServiceForConnector.TENANT)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"StreamName\":\"" + stream() + "\",\"ShardToSplit\":\""
                        + shardId + "\",\"NewStartingHashKey\":\"" + mid + "\"}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
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
