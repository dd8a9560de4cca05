package io.tributary.shard.api;

import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.DescribeStreamRequest;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.shard.grpc.LogClient;
import io.tributary.shard.service.MovableClock;
import io.tributary.shard.service.StorageMaintenance;
import io.tributary.shard.storage.BatchPartition;
import io.tributary.shard.storage.BatchRepository;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardFilterType;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.math.BigInteger;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention as a Kinesis user sees it: expired records are unreadable at once, TRIM_HORIZON moves with
 * them, an increase does not bring them back, expired closed shards leave the listings; and their storage
 * goes by whole partitions. The service's clock is moved forward instead of waiting for days to pass.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class RetentionApiTest {

    @TestHTTPResource("/")
    URL url;

    @GrpcClient("shard")
    io.grpc.Channel channel;

    @Inject
    StorageMaintenance maintenance;

    @Inject
    BatchRepository batches;

    @Inject
    Pool pool;

    LogClient log;

    @BeforeEach
    void setUp() {
        log = new LogClient(channel);
    }

    @AfterEach
    void backToNow() throws Throwable {
        MovableClock.reset();
        // Moving days ahead dropped partitions other tests write to today: bring them back.
        VertxContextSupport.subscribeAndAwait(() -> maintenance.maintain());
    }

    private List<String> append(String stream, String prefix, int count) {
        StreamDescription d = log.admin().describeStream(DescribeStreamRequest.newBuilder().setStream(LogClient.ref(stream)).build());
        String shardId = d.getShards(0).getShardId();
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(LogClient.record(prefix + i, (prefix + i).getBytes(StandardCharsets.UTF_8)));
        }
        AppendResponse r = log.appendOne(LogClient.batch(stream, shardId, records));
        assertTrue(r.hasAck(), () -> r.getError().getMessage());
        return r.getAck().getSequenceNumbersList();
    }

    private static List<String> readAll(KinesisClient k, String stream, String shardId, ShardIteratorType type,
                                        String sequenceNumber, Instant timestamp) {
        String it = k.getShardIterator(b -> b.streamName(stream).shardId(shardId).shardIteratorType(type)
                .startingSequenceNumber(sequenceNumber).timestamp(timestamp)).shardIterator();
        List<String> data = new ArrayList<>();
        for (int i = 0; i < 20 && it != null; i++) {
            String current = it;
            GetRecordsResponse r = k.getRecords(b -> b.shardIterator(current));
            r.records().forEach(rec -> data.add(rec.data().asUtf8String()));
            it = r.nextShardIterator();
            if (r.records().isEmpty() && r.millisBehindLatest() == 0) {
                break;
            }
        }
        return data;
    }

    @Test
    void expiredRecordsAreUnreadableAndStayExpiredWhenRetentionGrows() throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true)) {
            KinesisClient k = c.kinesis();
            String name = "retention-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(1));
            String shard = "shardId-000000000000";
            Instant firstArrival = Instant.now();
            List<String> first = append(name, "a", 3);
            MovableClock.advance(Duration.ofHours(20));
            append(name, "b", 3);
            assertEquals(List.of("a0", "a1", "a2", "b0", "b1", "b2"),
                    readAll(k, name, shard, ShardIteratorType.TRIM_HORIZON, null, null));

            MovableClock.advance(Duration.ofHours(5)); // a* are 25 hours old now, b* 5 hours
            List<String> expected = List.of("b0", "b1", "b2");
            assertEquals(expected, readAll(k, name, shard, ShardIteratorType.TRIM_HORIZON, null, null));
            assertEquals(expected, readAll(k, name, shard, ShardIteratorType.AT_SEQUENCE_NUMBER, first.get(1), null),
                    "an iterator at an expired record continues with the oldest one left");
            assertEquals(expected, readAll(k, name, shard, ShardIteratorType.AT_TIMESTAMP, null, firstArrival.minusSeconds(60)));

            k.increaseStreamRetentionPeriod(b -> b.streamName(name).retentionPeriodHours(72));
            assertEquals(expected, readAll(k, name, shard, ShardIteratorType.TRIM_HORIZON, null, null),
                    "records that expired stay expired after an increase");
            append(name, "c", 1);
            MovableClock.advance(Duration.ofHours(40)); // b* are 45 hours old: kept by the longer retention
            assertEquals(List.of("b0", "b1", "b2", "c0"), readAll(k, name, shard, ShardIteratorType.TRIM_HORIZON, null, null));
        }
    }

    @Test
    void closedShardsLeaveTheListingsOnceTheirRecordsExpired() throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true)) {
            KinesisClient k = c.kinesis();
            String name = "retention-shards-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(1));
            append(name, "x", 2);
            k.splitShard(b -> b.streamName(name).shardToSplit("shardId-000000000000")
                    .newStartingHashKey(BigInteger.ONE.shiftLeft(127).toString()));
            assertEquals(3, k.listShards(b -> b.streamName(name)).shards().size());

            MovableClock.advance(Duration.ofHours(25));
            List<Shard> listed = k.listShards(b -> b.streamName(name)).shards();
            assertEquals(List.of("shardId-000000000001", "shardId-000000000002"), listed.stream().map(Shard::shardId).toList());
            assertEquals(2, k.describeStream(b -> b.streamName(name)).streamDescription().shards().size());
            assertEquals(List.of("shardId-000000000001", "shardId-000000000002"),
                    k.listShards(b -> b.streamName(name).shardFilter(f -> f.type(ShardFilterType.AT_TRIM_HORIZON)))
                            .shards().stream().map(Shard::shardId).toList(), "the children are the trim horizon now");
            assertThrows(ResourceNotFoundException.class, () -> k.getShardIterator(b -> b.streamName(name)
                    .shardId("shardId-000000000000").shardIteratorType(ShardIteratorType.TRIM_HORIZON)));
        }
    }

    @Test
    void reclaimsStorageByDroppingPartitionsTierByTier() throws Throwable {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true)) {
            KinesisClient k = c.kinesis();
            String shortName = "retention-day-" + System.nanoTime();
            String longName = "retention-week-" + System.nanoTime();
            String deletedName = "retention-gone-" + System.nanoTime();
            // Tiers of their own (2 days, 30 days), so that other tests' streams cannot hold their partitions.
            create(shortName, 48);
            create(longName, 720);
            create(deletedName, 48);
            append(shortName, "s", 2);
            append(longName, "l", 2);
            append(deletedName, "d", 2);
            k.deleteStream(b -> b.streamName(deletedName));
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            assertTrue(partitions().contains(new BatchPartition(48, today)));
            assertTrue(partitions().contains(new BatchPartition(720, today)));
            assertEquals(1L, streamRows(deletedName), "a deleted stream's row stays while its data may exist");

            MovableClock.advance(Duration.ofDays(4));
            VertxContextSupport.subscribeAndAwait(() -> maintenance.maintain());
            List<BatchPartition> after = partitions();
            assertFalse(after.contains(new BatchPartition(48, today)), "the two-day tier of that day is gone: " + after);
            assertTrue(after.contains(new BatchPartition(720, today)), "the 30-day tier keeps it: " + after);
            assertEquals(List.of(), readAll(k, shortName, "shardId-000000000000", ShardIteratorType.TRIM_HORIZON, null, null));
            assertEquals(List.of("l0", "l1"), readAll(k, longName, "shardId-000000000000", ShardIteratorType.TRIM_HORIZON, null, null));
            assertEquals(0L, streamRows(deletedName), "the deleted stream's metadata went with its data");

            // The service keeps writing in its new day after the drop.
            append(shortName, "t", 1);
            assertEquals(List.of("t0"), readAll(k, shortName, "shardId-000000000000", ShardIteratorType.TRIM_HORIZON, null, null));
        }
    }

    /**
     * A deleted stream's batches do not wait for their partition to expire: maintenance erases them (in
     * several transactions when there are many) while a live stream of the same tier keeps every record.
     */
    @Test
    void erasesADeletedStreamsBatchesAtOnceAndKeepsItsNeighbours() throws Throwable {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true)) {
            KinesisClient k = c.kinesis();
            String live = "erase-live-" + System.nanoTime();
            String gone = "erase-gone-" + System.nanoTime();
            create(live, 24);
            create(gone, 24);
            append(live, "l", 3);
            int batchesOfGone = StorageMaintenance.ERASE_ROWS * 2 + 7;
            try (LogClient.Appender appender = log.appender()) {
                List<java.util.concurrent.CompletableFuture<AppendResponse>> acks = new ArrayList<>();
                for (int i = 0; i < batchesOfGone; i++) {
                    acks.add(appender.send(LogClient.batch(gone, "shardId-000000000000",
                            List.of(LogClient.record("g" + i, ("g" + i).getBytes(StandardCharsets.UTF_8))))));
                }
                for (var a : acks) {
                    assertTrue(a.join().hasAck());
                }
            }
            List<Long> goneShards = shardKeys(gone);
            assertEquals((long) batchesOfGone, storedBatches(goneShards));
            k.deleteStream(b -> b.streamName(gone));

            VertxContextSupport.subscribeAndAwait(() -> maintenance.maintain());

            assertEquals(0L, storedBatches(goneShards), "every batch of the deleted stream was erased");
            assertEquals(0L, streamRows(gone), "its metadata went with its last batch");
            assertEquals(List.of("l0", "l1", "l2"), readAll(k, live, "shardId-000000000000", ShardIteratorType.TRIM_HORIZON, null, null));
            assertTrue(partitions().contains(new BatchPartition(24, LocalDate.now(ZoneOffset.UTC))));
        }
    }

    /**
     * An erasing transaction stops taking rows at its byte budget (the WAL it writes, and every live commit
     * waiting behind its flush, grow with the bytes it deletes), but always takes at least one.
     */
    @Test
    void anErasingTransactionStopsAtItsByteBudget() {
        String gone = "erase-bytes-" + System.nanoTime();
        create(gone, 24);
        java.util.Random random = new java.util.Random(7);
        try (LogClient.Appender appender = log.appender()) {
            for (int i = 0; i < 3; i++) {
                byte[] data = new byte[900_000];
                random.nextBytes(data); // incompressible: stored at about its size
                assertTrue(appender.send(LogClient.batch(gone, "shardId-000000000000",
                        List.of(LogClient.record("b" + i, data)))).join().hasAck());
            }
        }
        List<Long> keys = shardKeys(gone);
        assertEquals(2, batches.erase(keys, 50, 1_500_000).await().atMost(Duration.ofSeconds(30)),
                "900 kB + 900 kB: the second batch starts below the budget, the third would not");
        assertEquals(1L, storedBatches(keys));
        assertEquals(1, batches.erase(keys, 50, 1).await().atMost(Duration.ofSeconds(30)),
                "a budget smaller than one batch still erases one");
        assertEquals(0, batches.erase(keys, 50, 1).await().atMost(Duration.ofSeconds(30)));
    }

    private List<Long> shardKeys(String stream) {
        List<Long> keys = new ArrayList<>();
        pool.preparedQuery("SELECT s.shard_key FROM shards s JOIN streams t ON t.id = s.stream_id WHERE t.name = $1")
                .execute(Tuple.of(stream)).await().atMost(Duration.ofSeconds(30)).forEach(r -> keys.add(r.getLong(0)));
        assertFalse(keys.isEmpty());
        return keys;
    }

    private long storedBatches(List<Long> shardKeys) {
        return count("SELECT count(*) FROM record_batches WHERE shard_key = ANY($1)", shardKeys.toArray(new Long[0]));
    }

    private long count(String sql, Object parameter) {
        return pool.preparedQuery(sql).execute(Tuple.of(parameter)).await().atMost(Duration.ofSeconds(30))
                .iterator().next().getLong(0);
    }

    private void create(String name, int retentionHours) {
        log.admin().createStream(io.tributary.protocol.v1.CreateStreamRequest.newBuilder().setStream(LogClient.ref(name))
                .setShardCount(1).setRetentionPeriodHours(retentionHours).build());
    }

    private List<BatchPartition> partitions() {
        return batches.partitions().await().atMost(Duration.ofSeconds(30));
    }

    private long streamRows(String name) {
        return count("SELECT count(*) FROM streams WHERE name = $1", name);
    }
}
