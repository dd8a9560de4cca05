package io.tributary.ingest.service;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.smallrye.mutiny.Uni;
import io.tributary.ingest.ShardMap;
import io.tributary.ingest.client.ShardAdminClient;
import io.tributary.ingest.config.IngestConfig;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamRef;
import io.tributary.protocol.v1.StreamStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shard-map cache describes a stream once however many puts ask while the description is on its way. */
class ShardMapsTest {

    /** A shard-service whose descriptions answer only when the test says so. */
    private static final class ControlledAdmin extends ShardAdminClient {
        final List<CompletableFuture<StreamDescription>> calls = new CopyOnWriteArrayList<>();

        ControlledAdmin(ManagedChannel channel) {
            super(channel, null);
        }

        @Override
        public Uni<StreamDescription> describe(String tenantId, String streamName, List<String> alternatives) {
            CompletableFuture<StreamDescription> answer = new CompletableFuture<>();
            calls.add(answer);
            return Uni.createFrom().completionStage(answer);
        }
    }

    private final ManagedChannel channel = ManagedChannelBuilder.forTarget("127.0.0.1:1").usePlaintext().build();

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    private static IngestConfig refreshAfter(Duration refresh) {
        return new IngestConfig() {
            public long maxInFlightBytes() {
                return 0;
            }

            public Batching batching() {
                return null;
            }

            public ShardMaps shardMaps() {
                return () -> refresh;
            }

            public Appends appends() {
                return null;
            }

            public WebSocket websocket() {
                return null;
            }
        };
    }

    private static StreamDescription description(int shards) {
        StreamDescription.Builder d = StreamDescription.newBuilder()
                .setStream(StreamRef.newBuilder().setTenantId("000000000001").setStreamName("s"))
                .setStatus(StreamStatus.ACTIVE).setMaxRecordSizeBytes(1 << 20);
        BigInteger top = BigInteger.ONE.shiftLeft(128);
        for (int i = 0; i < shards; i++) {
            d.addShards(Shard.newBuilder().setShardId("shardId-00000000000" + i)
                    .setStartingHashKey(top.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(shards)).toString())
                    .setEndingHashKey(top.multiply(BigInteger.valueOf(i + 1)).divide(BigInteger.valueOf(shards))
                            .subtract(BigInteger.ONE).toString()));
        }
        return d.build();
    }

    @Test
    void describesAMissingStreamOnceForEveryoneWaiting() {
        ControlledAdmin admin = new ControlledAdmin(channel);
        ShardMaps maps = new ShardMaps(admin, refreshAfter(Duration.ofMinutes(1)));
        List<CompletableFuture<ShardMap>> waiting = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            waiting.add(maps.get("000000000001", "s").subscribeAsCompletionStage());
        }
        assertEquals(1, admin.calls.size(), "one description in flight for 100 puts");
        assertFalse(waiting.get(0).isDone());

        admin.calls.get(0).complete(description(2));
        ShardMap first = waiting.get(0).join();
        for (CompletableFuture<ShardMap> w : waiting) {
            assertSame(first, w.join());
        }
        assertEquals(2, first.shards().size());
        maps.get("000000000001", "s").await().atMost(Duration.ofSeconds(5));
        assertEquals(1, admin.calls.size(), "a fresh map is served from the cache");
    }

    @Test
    void routesWithTheOldMapWhileOneRefreshIsOnItsWay() {
        ControlledAdmin admin = new ControlledAdmin(channel);
        // Every map is old at once: each ask after the first description wants a refresh.
        ShardMaps maps = new ShardMaps(admin, refreshAfter(Duration.ZERO));
        CompletableFuture<ShardMap> initial = maps.get("000000000001", "s").subscribeAsCompletionStage();
        admin.calls.get(0).complete(description(2));
        ShardMap old = initial.join();

        for (int i = 0; i < 100; i++) {
            assertSame(old, maps.get("000000000001", "s").await().atMost(Duration.ofSeconds(5)), "the old map, at once");
        }
        assertEquals(2, admin.calls.size(), "one refresh for 100 puts");

        admin.calls.get(1).complete(description(4));
        ShardMap refreshed = maps.get("000000000001", "s").await().atMost(Duration.ofSeconds(5));
        assertEquals(4, refreshed.shards().size(), "the refreshed map replaced the old one");
    }

    @Test
    void afterAnInvalidationPutsWaitForANewDescription() {
        ControlledAdmin admin = new ControlledAdmin(channel);
        ShardMaps maps = new ShardMaps(admin, refreshAfter(Duration.ofMinutes(1)));
        CompletableFuture<ShardMap> initial = maps.get("000000000001", "s").subscribeAsCompletionStage();
        admin.calls.get(0).complete(description(2));
        initial.join();

        maps.invalidate("000000000001", "s");
        CompletableFuture<ShardMap> a = maps.get("000000000001", "s").subscribeAsCompletionStage();
        CompletableFuture<ShardMap> b = maps.get("000000000001", "s").subscribeAsCompletionStage();
        assertEquals(2, admin.calls.size(), "one new description for both");
        assertFalse(a.isDone() || b.isDone(), "no old map after an invalidation");
        admin.calls.get(1).completeExceptionally(new IllegalStateException("unreachable"));
        assertTrue(a.isCompletedExceptionally() && b.isCompletedExceptionally());

        CompletableFuture<ShardMap> c = maps.get("000000000001", "s").subscribeAsCompletionStage();
        assertEquals(3, admin.calls.size(), "a failed description is not kept: the next put asks again");
        admin.calls.get(2).complete(description(3));
        assertEquals(3, c.join().shards().size());
    }

    @Test
    void aDescriptionOvertakenByAnInvalidationDoesNotReplaceTheNewerMap() {
        ControlledAdmin admin = new ControlledAdmin(channel);
        ShardMaps maps = new ShardMaps(admin, refreshAfter(Duration.ofMinutes(1)));
        CompletableFuture<ShardMap> early = maps.get("000000000001", "s").subscribeAsCompletionStage();
        maps.invalidate("000000000001", "s"); // e.g. shard-service said a batch went to a shard that closed
        CompletableFuture<ShardMap> late = maps.get("000000000001", "s").subscribeAsCompletionStage();
        assertEquals(2, admin.calls.size());

        admin.calls.get(1).complete(description(4));
        assertEquals(4, late.join().shards().size());
        admin.calls.get(0).complete(description(2)); // the older answer arrives last
        assertEquals(2, early.join().shards().size(), "its own asker still gets it");
        assertEquals(4, maps.get("000000000001", "s").await().atMost(Duration.ofSeconds(5)).shards().size(),
                "the cache keeps the newer map");
        assertEquals(2, admin.calls.size());
    }
}
