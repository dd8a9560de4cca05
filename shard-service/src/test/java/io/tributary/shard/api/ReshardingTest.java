package io.tributary.shard.api;

import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.DescribeStreamRequest;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.shard.HashKeys;
import io.tributary.shard.grpc.LogClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.ScalingType;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardFilterType;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamMode;
import software.amazon.awssdk.services.kinesis.model.UpdateShardCountResponse;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

import java.math.BigInteger;
import java.net.URL;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SplitShard, MergeShards, UpdateShardCount and UpdateStreamMode through the real AWS SDK. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class ReshardingTest {

    @TestHTTPResource("/")
    URL url;

    @GrpcClient("shard")
    io.grpc.Channel channel;

    LogClient log;

    @BeforeEach
    void setUp() {
        log = new LogClient(channel);
    }

    private StreamDescription describe(String stream) {
        return log.admin().describeStream(DescribeStreamRequest.newBuilder().setStream(LogClient.ref(stream)).build());
    }

    /** Appends {@code count} records with keys of one shard; returns their sequence numbers. */
    private List<String> append(String stream, String shardId, int count, String prefix) {
        StreamDescription d = describe(stream);
        List<Record> records = new ArrayList<>();
        for (int i = 0; records.size() < count; i++) {
            String key = prefix + i;
            if (LogClient.shardFor(d, key).getShardId().equals(shardId)) {
                records.add(LogClient.record(key, (prefix + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        AppendResponse r = log.appendOne(LogClient.batch(stream, shardId, records));
        assertTrue(r.hasAck(), () -> r.getError().getMessage());
        return r.getAck().getSequenceNumbersList();
    }

    @ParameterizedTest(name = "cbor={0}")
    @ValueSource(booleans = {true, false})
    void splitsAndMergesWithKinesisLineage(boolean cbor) throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, cbor)) {
            KinesisClient k = c.kinesis();
            String name = "reshard-" + cbor + "-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(2));
            List<String> before = append(name, "shardId-000000000000", 20, "a");

            Shard parent = k.describeStream(b -> b.streamName(name)).streamDescription().shards().get(0);
            BigInteger mid = new BigInteger(parent.hashKeyRange().endingHashKey()).shiftRight(1);
            k.splitShard(b -> b.streamName(name).shardToSplit(parent.shardId()).newStartingHashKey(mid.toString()));

            List<Shard> shards = k.listShards(b -> b.streamName(name)).shards();
            assertEquals(4, shards.size());
            Shard closed = byId(shards, "shardId-000000000000");
            assertEquals(before.get(before.size() - 1).compareTo(closed.sequenceNumberRange().endingSequenceNumber()) < 0, true,
                    "the ending sequence number is after every record the parent holds");
            Shard lower = byId(shards, "shardId-000000000002");
            Shard upper = byId(shards, "shardId-000000000003");
            assertEquals(parent.shardId(), lower.parentShardId());
            assertEquals(parent.shardId(), upper.parentShardId());
            assertNull(lower.adjacentParentShardId());
            assertEquals(parent.hashKeyRange().startingHashKey(), lower.hashKeyRange().startingHashKey());
            assertEquals(mid.subtract(BigInteger.ONE).toString(), lower.hashKeyRange().endingHashKey());
            assertEquals(mid.toString(), upper.hashKeyRange().startingHashKey());
            assertEquals(parent.hashKeyRange().endingHashKey(), upper.hashKeyRange().endingHashKey());
            assertNull(lower.sequenceNumberRange().endingSequenceNumber());
            assertEquals(3, k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().openShardCount());

            // The parent stays readable; read to its end, it names its children and gives no next iterator.
            String it = k.getShardIterator(b -> b.streamName(name).shardId(parent.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            List<String> read = new ArrayList<>();
            GetRecordsResponse r;
            do {
                String current = it;
                r = k.getRecords(b -> b.shardIterator(current));
                r.records().forEach(rec -> read.add(rec.sequenceNumber()));
                it = r.nextShardIterator();
            } while (it != null);
            assertEquals(before, read);
            assertEquals(List.of(lower.shardId(), upper.shardId()), r.childShards().stream().map(ChildShard::shardId).toList());
            for (ChildShard child : r.childShards()) {
                assertEquals(List.of(parent.shardId()), child.parentShards());
            }
            assertEquals(lower.hashKeyRange().endingHashKey(), r.childShards().get(0).hashKeyRange().endingHashKey());

            // Writes to the parent are refused; its keys go to the children, with greater sequence numbers.
            AppendResponse refused = log.appendOne(LogClient.batch(name, parent.shardId(),
                    List.of(LogClient.record("a0", new byte[]{1}))));
            assertEquals(ErrorCode.SHARD_CLOSED, refused.getError().getCode());
            List<String> after = append(name, lower.shardId(), 5, "b");
            assertTrue(new BigInteger(after.get(0)).compareTo(new BigInteger(before.get(before.size() - 1))) > 0);

            // Merging the two children back: one child with both as parents.
            k.mergeShards(b -> b.streamName(name).shardToMerge(upper.shardId()).adjacentShardToMerge(lower.shardId()));
            shards = k.listShards(b -> b.streamName(name)).shards();
            Shard merged = byId(shards, "shardId-000000000004");
            assertEquals(upper.shardId(), merged.parentShardId());
            assertEquals(lower.shardId(), merged.adjacentParentShardId());
            assertEquals(parent.hashKeyRange().startingHashKey(), merged.hashKeyRange().startingHashKey());
            assertEquals(parent.hashKeyRange().endingHashKey(), merged.hashKeyRange().endingHashKey());
            assertEquals(List.of("shardId-000000000001", "shardId-000000000004"),
                    k.listShards(b -> b.streamName(name).shardFilter(f -> f.type(ShardFilterType.AT_LATEST))).shards()
                            .stream().map(Shard::shardId).toList());
            assertEquals(List.of("shardId-000000000000", "shardId-000000000001"),
                    k.listShards(b -> b.streamName(name).shardFilter(f -> f.type(ShardFilterType.AT_TRIM_HORIZON))).shards()
                            .stream().map(Shard::shardId).toList());
            assertEquals(5, k.listShards(b -> b.streamName(name).shardFilter(f -> f.type(ShardFilterType.FROM_TRIM_HORIZON)))
                    .shards().size());

            // LATEST on a closed shard: nothing more will come, so the first read already ends it.
            String latest = k.getShardIterator(b -> b.streamName(name).shardId(lower.shardId())
                    .shardIteratorType(ShardIteratorType.LATEST)).shardIterator();
            GetRecordsResponse end = k.getRecords(b -> b.shardIterator(latest));
            assertNull(end.nextShardIterator());
            assertEquals(List.of(merged.shardId()), end.childShards().stream().map(ChildShard::shardId).toList());
            assertEquals(List.of(upper.shardId(), lower.shardId()), end.childShards().get(0).parentShards());
        }
    }

    @Test
    void refusesInvalidReshardingWithKinesisErrors() throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true)) {
            KinesisClient k = c.kinesis();
            String name = "reshard-bad-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(3));
            List<Shard> shards = k.listShards(b -> b.streamName(name)).shards();
            Shard first = shards.get(0);
            String start = first.hashKeyRange().startingHashKey();
            String outside = shards.get(1).hashKeyRange().startingHashKey();

            assertThrows(InvalidArgumentException.class, () -> k.splitShard(b -> b.streamName(name)
                    .shardToSplit(first.shardId()).newStartingHashKey(start)));
            assertThrows(InvalidArgumentException.class, () -> k.splitShard(b -> b.streamName(name)
                    .shardToSplit(first.shardId()).newStartingHashKey(outside)));
            assertThrows(ValidationException.class, () -> k.splitShard(b -> b.streamName(name)
                    .shardToSplit(first.shardId()).newStartingHashKey("-5")));
            assertThrows(ResourceNotFoundException.class, () -> k.splitShard(b -> b.streamName(name)
                    .shardToSplit("shardId-000000000042").newStartingHashKey("12345")));
            assertThrows(ResourceNotFoundException.class, () -> k.splitShard(b -> b.streamName("no-such-" + name)
                    .shardToSplit(first.shardId()).newStartingHashKey("12345")));
            InvalidArgumentException notAdjacent = assertThrows(InvalidArgumentException.class, () -> k.mergeShards(b -> b
                    .streamName(name).shardToMerge(first.shardId()).adjacentShardToMerge(shards.get(2).shardId())));
            assertTrue(notAdjacent.getMessage().contains("not adjacent"), notAdjacent.getMessage());

            assertThrows(LimitExceededException.class, () -> k.updateShardCount(b -> b.streamName(name)
                    .targetShardCount(7).scalingType(ScalingType.UNIFORM_SCALING)));
            assertThrows(LimitExceededException.class, () -> k.updateShardCount(b -> b.streamName(name)
                    .targetShardCount(1).scalingType(ScalingType.UNIFORM_SCALING)));
            assertThrows(ValidationException.class, () -> k.updateShardCount(b -> b.streamName(name)
                    .targetShardCount(0).scalingType(ScalingType.UNIFORM_SCALING)));

            // Nothing of the refused requests changed the stream.
            assertEquals(shards, k.listShards(b -> b.streamName(name)).shards());

            // Closed shards cannot be split again.
            k.splitShard(b -> b.streamName(name).shardToSplit(first.shardId())
                    .newStartingHashKey(new BigInteger(start).add(BigInteger.TEN).toString()));
            assertThrows(InvalidArgumentException.class, () -> k.splitShard(b -> b.streamName(name)
                    .shardToSplit(first.shardId()).newStartingHashKey(new BigInteger(start).add(BigInteger.TWO).toString())));

            // ON_DEMAND streams are not resharded by hand.
            String arn = k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamARN();
            k.updateStreamMode(b -> b.streamARN(arn).streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND)));
            assertEquals(StreamMode.ON_DEMAND, k.describeStreamSummary(b -> b.streamName(name))
                    .streamDescriptionSummary().streamModeDetails().streamMode());
            assertThrows(InvalidArgumentException.class, () -> k.updateShardCount(b -> b.streamName(name)
                    .targetShardCount(4).scalingType(ScalingType.UNIFORM_SCALING)));
        }
    }

    @Test
    void updatesTheShardCountToEvenRanges() throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true)) {
            KinesisClient k = c.kinesis();
            String name = "reshard-count-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(3));
            UpdateShardCountResponse up = k.updateShardCount(b -> b.streamName(name).targetShardCount(5)
                    .scalingType(ScalingType.UNIFORM_SCALING));
            assertEquals(3, up.currentShardCount());
            assertEquals(5, up.targetShardCount());
            assertEquals(name, up.streamName());
            List<Shard> open = new ArrayList<>(k.listShards(b -> b.streamName(name).shardFilter(f -> f.type(ShardFilterType.AT_LATEST))).shards());
            open.sort(java.util.Comparator.comparing(s -> new BigInteger(s.hashKeyRange().startingHashKey())));
            assertEquals(5, open.size());
            List<io.tributary.shard.HashKeyRange> even = HashKeys.splitEvenly(5);
            for (int i = 0; i < 5; i++) {
                assertEquals(even.get(i).start().toString(), open.get(i).hashKeyRange().startingHashKey());
                assertEquals(even.get(i).end().toString(), open.get(i).hashKeyRange().endingHashKey());
                assertNotNull(open.get(i).parentShardId(), "every new shard has its lineage");
            }
            k.updateShardCount(b -> b.streamName(name).targetShardCount(3).scalingType(ScalingType.UNIFORM_SCALING));
            assertEquals(3, k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().openShardCount());
        }
    }

    /**
     * Producers keep appending while shards are split and merged. A producer learns about a change the
     * way ingest-service does: its batch is refused as a whole (SHARD_CLOSED, or WRONG_SHARD with a stale
     * map) and it sends it again to the shard that owns the keys now. Afterwards every acknowledged record
     * is stored exactly once, and reading parents before children returns each key's records in order.
     */
    @Test
    void losesAndDuplicatesNothingWhileShardsSplitAndMerge() throws Exception {
        String name = "reshard-load-" + System.nanoTime();
        log.create(name, 2);
        int producers = 4;
        int keysPerProducer = 8;
        AtomicBoolean stop = new AtomicBoolean();
        Map<String, List<Integer>> acked = new ConcurrentHashMap<>();
        AtomicInteger refusals = new AtomicInteger();
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            running.add(CompletableFuture.runAsync(() -> produce(name, producer, keysPerProducer, stop, acked, refusals)));
        }
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true)) {
            KinesisClient k = c.kinesis();
            awaitAcked(acked, 200, running);
            Shard s0 = k.listShards(b -> b.streamName(name)).shards().get(0);
            BigInteger mid = new BigInteger(s0.hashKeyRange().endingHashKey()).shiftRight(1);
            k.splitShard(b -> b.streamName(name).shardToSplit(s0.shardId()).newStartingHashKey(mid.toString()));
            awaitAcked(acked, 400, running);
            k.mergeShards(b -> b.streamName(name).shardToMerge("shardId-000000000002").adjacentShardToMerge("shardId-000000000003"));
            awaitAcked(acked, 600, running);
            k.updateShardCount(b -> b.streamName(name).targetShardCount(3).scalingType(ScalingType.UNIFORM_SCALING));
            awaitAcked(acked, 800, running);
        } finally {
            stop.set(true);
        }
        for (CompletableFuture<Void> f : running) {
            f.get();
        }

        // Read every shard, parents before children, and follow each key.
        StreamDescription d = describe(name);
        Map<String, List<Integer>> stored = new HashMap<>();
        Set<String> done = new HashSet<>();
        Deque<io.tributary.protocol.v1.Shard> todo = new ArrayDeque<>(d.getShardsList());
        int guard = 0;
        while (!todo.isEmpty() && guard++ < 10_000) {
            io.tributary.protocol.v1.Shard s = todo.poll();
            boolean ready = (s.getParentShardId().isEmpty() || done.contains(s.getParentShardId()))
                    && (s.getAdjacentParentShardId().isEmpty() || done.contains(s.getAdjacentParentShardId()));
            if (!ready) {
                todo.add(s);
                continue;
            }
            List<StoredRecord> records = log.readAll(name, s.getShardId(), LogClient.position(PositionType.TRIM_HORIZON));
            for (StoredRecord r : records) {
                if (!s.getEndingSequenceNumber().isEmpty()) {
                    assertTrue(new BigInteger(r.getSequenceNumber()).compareTo(new BigInteger(s.getEndingSequenceNumber())) < 0,
                            () -> "record " + r.getSequenceNumber() + " lies beyond the end of closed shard " + s.getShardId());
                }
                String[] parts = r.getData().toStringUtf8().split(":");
                stored.computeIfAbsent(parts[0], x -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
            }
            done.add(s.getShardId());
        }
        assertTrue(todo.isEmpty(), "every shard's lineage leads back to the original shards");
        assertTrue(d.getShardsCount() > 5, "the stream was resharded: " + d.getShardsCount() + " shards");
        for (Map.Entry<String, List<Integer>> e : acked.entrySet()) {
            List<Integer> got = stored.get(e.getKey());
            assertNotNull(got, "key " + e.getKey() + " was stored");
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < got.size(); i++) {
                expected.add(i);
            }
            assertEquals(expected, got, "key " + e.getKey() + ": each record once, in order, none missing");
            assertTrue(got.size() >= e.getValue().size(), "everything acknowledged for " + e.getKey() + " is stored");
        }
        assertTrue(refusals.get() > 0, "producers ran into the changes (otherwise this test proves nothing)");
    }

    /** Waits for {@code atLeast} acknowledgements; a producer that failed fails the test with its cause. */
    private static void awaitAcked(Map<String, List<Integer>> acked, int atLeast, List<CompletableFuture<Void>> producers) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
            for (CompletableFuture<Void> p : producers) {
                if (p.isDone()) {
                    p.join(); // rethrows the producer's failure
                }
            }
            return acked.values().stream().mapToInt(List::size).sum() >= atLeast;
        });
    }

    /**
     * One producer: its keys in turn, one batch of one record per key at a time, each retried until
     * acknowledged, so every key's counter is acknowledged in order with no gap.
     */
    private void produce(String stream, int producer, int keys, AtomicBoolean stop, Map<String, List<Integer>> acked,
                         AtomicInteger refusals) {
        StreamDescription d = describe(stream);
        int[] next = new int[keys];
        try (LogClient.Appender appender = log.appender()) {
            while (!stop.get()) {
                List<Record> batch = new ArrayList<>();
                Map<String, List<Integer>> byShard = new HashMap<>();
                for (int i = 0; i < keys; i++) {
                    String key = "p" + producer + "k" + i;
                    batch.add(LogClient.record(key, (key + ":" + next[i]).getBytes(StandardCharsets.UTF_8)));
                }
                // One append per shard the keys map to, all in flight together; a refused one is resent.
                Map<String, List<Record>> groups = new HashMap<>();
                for (Record r : batch) {
                    groups.computeIfAbsent(LogClient.shardFor(d, r.getPartitionKey()).getShardId(), x -> new ArrayList<>()).add(r);
                }
                boolean refused = false;
                Map<String, CompletableFuture<AppendResponse>> answers = new HashMap<>();
                groups.forEach((shard, records) -> answers.put(shard, appender.send(LogClient.batch(stream, shard, records))));
                for (Map.Entry<String, CompletableFuture<AppendResponse>> a : answers.entrySet()) {
                    AppendResponse r = a.getValue().join();
                    if (r.hasAck()) {
                        for (Record rec : groups.get(a.getKey())) {
                            int key = Integer.parseInt(rec.getPartitionKey().substring(rec.getPartitionKey().indexOf('k') + 1));
                            acked.computeIfAbsent(rec.getPartitionKey(), x -> new ArrayList<>()).add(next[key]);
                            next[key]++;
                        }
                    } else {
                        ErrorCode code = r.getError().getCode();
                        assertTrue(code == ErrorCode.SHARD_CLOSED || code == ErrorCode.WRONG_SHARD
                                || code == ErrorCode.SHARD_NOT_FOUND, () -> "unexpected refusal " + r.getError());
                        refused = true;
                    }
                }
                if (refused) {
                    refusals.incrementAndGet();
                    d = describe(stream);
                }
            }
        }
    }

    private static Shard byId(List<Shard> shards, String id) {
        return shards.stream().filter(s -> s.shardId().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no shard " + id + " in " + shards));
    }
}
