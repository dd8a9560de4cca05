package io.tributary.ingest.api;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ScalingType;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PutRecords keeps working while the stream's shards are split and merged: a batch refused because its
 * shard closed is routed again with a fresh shard map, so producers see no failed record, and every key's
 * records read back (parents before children) exactly once and in order.
 */
@QuarkusTest
@WithTestResource(ShardServiceProcess.class)
class ReshardingWritesTest {

    @TestHTTPResource("/")
    URL ingest;

    @Test
    void producersSeeNoFailureAndLoseNothingWhileShardsSplitAndMerge() throws Exception {
        String stream = "reshard-put-" + System.nanoTime();
        Map<String, List<Integer>> acked = new ConcurrentHashMap<>();
        Map<String, String> lastShard = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<CompletableFuture<Void>> producers = new ArrayList<>();
        try (KinesisClient shards = PutRecordsTest.client(URI.create("http://127.0.0.1:" + ShardServiceProcess.httpPort), true)) {
            shards.createStream(b -> b.streamName(stream).shardCount(2));
            for (int p = 0; p < 3; p++) {
                int producer = p;
                producers.add(CompletableFuture.runAsync(() -> produce(stream, producer, stop, acked, lastShard)));
            }
            awaitAcked(acked, 500);
            Shard first = shards.listShards(b -> b.streamName(stream)).shards().get(0);
            BigInteger mid = new BigInteger(first.hashKeyRange().endingHashKey()).shiftRight(1);
            shards.splitShard(b -> b.streamName(stream).shardToSplit(first.shardId()).newStartingHashKey(mid.toString()));
            awaitAcked(acked, 1000);
            shards.mergeShards(b -> b.streamName(stream).shardToMerge("shardId-000000000002")
                    .adjacentShardToMerge("shardId-000000000003"));
            awaitAcked(acked, 1500);
            shards.updateShardCount(b -> b.streamName(stream).targetShardCount(4).scalingType(ScalingType.UNIFORM_SCALING));
            awaitAcked(acked, 2000);
            stop.set(true);
            for (CompletableFuture<Void> f : producers) {
                f.get();
            }

            Map<String, List<Integer>> read = readParentsBeforeChildren(shards, stream);
            assertEquals(acked.keySet(), read.keySet());
            for (Map.Entry<String, List<Integer>> e : acked.entrySet()) {
                assertEquals(e.getValue(), read.get(e.getKey()), "key " + e.getKey() + ": every record once, in order");
            }
            Set<String> openNow = new HashSet<>();
            shards.listShards(b -> b.streamName(stream)).shards().stream()
                    .filter(s -> s.sequenceNumberRange().endingSequenceNumber() == null).forEach(s -> openNow.add(s.shardId()));
            assertEquals(4, openNow.size());
            assertTrue(openNow.containsAll(lastShard.values()), "the last writes went to open shards: " + lastShard.values());
        } finally {
            stop.set(true);
        }
    }

    private static void awaitAcked(Map<String, List<Integer>> acked, int atLeast) {
        await().atMost(Duration.ofSeconds(60)).until(() -> acked.values().stream().mapToInt(List::size).sum() >= atLeast);
    }

    /** One producer: one record per key per request, the next request only after the answer. */
    private void produce(String stream, int producer, AtomicBoolean stop, Map<String, List<Integer>> acked,
                         Map<String, String> lastShard) {
        int keys = 16;
        int[] next = new int[keys];
        try (KinesisClient puts = PutRecordsTest.client(ingest.toURI(), producer % 2 == 0)) {
            while (!stop.get()) {
                List<PutRecordsRequestEntry> entries = new ArrayList<>();
                for (int k = 0; k < keys; k++) {
                    String key = "p" + producer + "-k" + k;
                    entries.add(PutRecordsRequestEntry.builder().partitionKey(key)
                            .data(SdkBytes.fromString(key + ":" + next[k], StandardCharsets.UTF_8)).build());
                }
                PutRecordsResponse r = puts.putRecords(b -> b.streamName(stream).records(entries));
                assertEquals(0, r.failedRecordCount(), () -> "a producer saw the resharding: " + r.records());
                for (int k = 0; k < keys; k++) {
                    String key = entries.get(k).partitionKey();
                    acked.computeIfAbsent(key, x -> new ArrayList<>()).add(next[k]++);
                    lastShard.put(key, r.records().get(k).shardId());
                }
            }
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads every shard with GetRecords, a child only after its parents, following ChildShards. */
    private static Map<String, List<Integer>> readParentsBeforeChildren(KinesisClient k, String stream) {
        List<Shard> all = k.listShards(b -> b.streamName(stream)).shards();
        Map<String, List<Integer>> byKey = new HashMap<>();
        Set<String> done = new HashSet<>();
        Deque<Shard> todo = new ArrayDeque<>(all);
        int guard = 0;
        while (!todo.isEmpty() && guard++ < 10_000) {
            Shard s = todo.poll();
            if ((s.parentShardId() != null && !done.contains(s.parentShardId()))
                    || (s.adjacentParentShardId() != null && !done.contains(s.adjacentParentShardId()))) {
                todo.add(s);
                continue;
            }
            String iterator = k.getShardIterator(b -> b.streamName(stream).shardId(s.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            boolean closed = s.sequenceNumberRange().endingSequenceNumber() != null;
            while (iterator != null) {
                String it = iterator;
                GetRecordsResponse r = k.getRecords(b -> b.shardIterator(it));
                for (Record rec : r.records()) {
                    String[] parts = rec.data().asUtf8String().split(":");
                    assertEquals(parts[0], rec.partitionKey());
                    byKey.computeIfAbsent(parts[0], x -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
                }
                iterator = r.nextShardIterator();
                if (!closed && r.records().isEmpty()) {
                    break;
                }
                if (iterator == null) {
                    assertNotNull(r.childShards());
                    assertTrue(r.childShards().stream().map(ChildShard::shardId).allMatch(id -> all.stream()
                            .anyMatch(x -> x.shardId().equals(id))));
                }
            }
            done.add(s.shardId());
        }
        assertTrue(todo.isEmpty(), "every shard's parents are listed");
        return byKey;
    }
}
