package io.tributary.shard.grpc;

import com.google.protobuf.ByteString;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.batch.RecordBatchWriter;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.ReadResponse;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamAdminGrpc;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.shard.SequenceNumbers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tributary.shard.grpc.LogClient.at;
import static io.tributary.shard.grpc.LogClient.batch;
import static io.tributary.shard.grpc.LogClient.position;
import static io.tributary.shard.grpc.LogClient.record;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class AppendAndReadTest {

    @GrpcClient("shard")
    io.grpc.Channel channel;

    LogClient client;
    StreamAdminGrpc.StreamAdminBlockingStub admin;
    StreamLogGrpc.StreamLogBlockingStub blocking;
    StreamLogGrpc.StreamLogStub async;

    @BeforeEach
    void setUp() {
        client = new LogClient(channel);
        admin = client.admin();
        blocking = client.blocking();
        async = client.async();
    }

    private static AppendRequest encodedBatch(String stream, String shardId, List<Record> records) {
        RecordBatchWriter writer = new RecordBatchWriter();
        for (Record r : records) {
            writer.add(r.getPartitionKey(), r.getData().toByteArray());
        }
        return AppendRequest.newBuilder().setBatchId(LogClient.nextBatchId()).setStream(LogClient.ref(stream))
                .setShardId(shardId).setEncodedRecords(ByteString.copyFrom(writer.finish())).build();
    }

    @Test
    void readsBackEveryAcknowledgedRecordOnceInOrderByteForByte() throws Exception {
        String stream = "roundtrip-" + System.nanoTime();
        StreamDescription description = client.create(stream, 4);
        Random random = new Random(42);
        // shard id -> records in the order they were appended, with their acknowledged sequence numbers
        Map<String, List<Record>> sent = new HashMap<>();
        Map<String, List<String>> sequenceNumbers = new HashMap<>();
        List<CompletableFuture<AppendResponse>> acks = new ArrayList<>();
        List<List<Record>> batches = new ArrayList<>();
        try (LogClient.Appender appender = client.appender()) {
            for (int b = 0; b < 60; b++) {
                // Each batch: records for the shard of its first key; many keys per shard.
                String firstKey = "key-" + random.nextInt(1_000_000);
                Shard shard = LogClient.shardFor(description, firstKey);
                List<Record> records = new ArrayList<>();
                while (records.size() < 1 + random.nextInt(200)) {
                    String key = "key-" + random.nextInt(1_000_000);
                    if (!LogClient.shardFor(description, key).getShardId().equals(shard.getShardId())) {
                        continue;
                    }
                    byte[] data = new byte[random.nextInt(2048)];
                    random.nextBytes(data);
                    records.add(record(key, data));
                }
                batches.add(records);
                // Every other batch travels pre-encoded, as ingest-service sends them.
                acks.add(appender.send(b % 2 == 0 ? batch(stream, shard.getShardId(), records)
                        : encodedBatch(stream, shard.getShardId(), records)));
            }
            for (int b = 0; b < acks.size(); b++) {
                AppendResponse r = acks.get(b).get(30, TimeUnit.SECONDS);
                assertTrue(r.hasAck(), () -> "batch refused: " + r.getError());
                assertEquals(batches.get(b).size(), r.getAck().getSequenceNumbersCount());
                sent.computeIfAbsent(r.getAck().getShardId(), k -> new ArrayList<>()).addAll(batches.get(b));
                sequenceNumbers.computeIfAbsent(r.getAck().getShardId(), k -> new ArrayList<>())
                        .addAll(r.getAck().getSequenceNumbersList());
            }
        }
        assertEquals(4, sent.size(), "random keys reach every shard");
        Set<String> allSequenceNumbers = new HashSet<>();
        for (Shard shard : description.getShardsList()) {
            List<Record> expected = sent.get(shard.getShardId());
            List<String> expectedSeq = sequenceNumbers.get(shard.getShardId());
            List<StoredRecord> read = client.readAll(stream, shard.getShardId(), position(PositionType.TRIM_HORIZON));
            assertEquals(expected.size(), read.size(), "every acknowledged record once in " + shard.getShardId());
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i).getPartitionKey(), read.get(i).getPartitionKey());
                assertArrayEquals(expected.get(i).getData().toByteArray(), read.get(i).getData().toByteArray());
                assertEquals(expectedSeq.get(i), read.get(i).getSequenceNumber());
                if (i > 0) {
                    assertTrue(new BigInteger(read.get(i - 1).getSequenceNumber())
                            .compareTo(new BigInteger(read.get(i).getSequenceNumber())) < 0, "strictly increasing");
                }
                assertTrue(read.get(i).getArrivalTimestampMillis() > 0);
                assertTrue(allSequenceNumbers.add(read.get(i).getSequenceNumber()), "unique within the stream");
            }
        }
    }

    @Test
    void resolvesEveryPositionType() {
        String stream = "positions-" + System.nanoTime();
        StreamDescription description = client.create(stream, 1);
        String shardId = description.getShards(0).getShardId();
        List<String> seq = new ArrayList<>();
        long before = System.currentTimeMillis();
        for (int b = 0; b < 5; b++) {
            List<Record> records = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                records.add(record("k" + i, ("b" + b + "r" + i).getBytes()));
            }
            AppendResponse r = client.appendOne(batch(stream, shardId, records));
            seq.addAll(r.getAck().getSequenceNumbersList());
        }
        assertEquals(50, seq.size());

        assertEquals(50, client.readAll(stream, shardId, position(PositionType.TRIM_HORIZON)).size());
        List<StoredRecord> at = client.readAll(stream, shardId, at(PositionType.AT_SEQUENCE_NUMBER, seq.get(17)));
        assertEquals(33, at.size());
        assertEquals(seq.get(17), at.get(0).getSequenceNumber());
        List<StoredRecord> after = client.readAll(stream, shardId, at(PositionType.AFTER_SEQUENCE_NUMBER, seq.get(17)));
        assertEquals(32, after.size());
        assertEquals(seq.get(18), after.get(0).getSequenceNumber());
        assertEquals(0, client.readAll(stream, shardId, at(PositionType.AFTER_SEQUENCE_NUMBER, seq.get(49))).size());

        ReadResponse latest = client.read(stream, shardId, position(PositionType.LATEST), 100);
        assertEquals(0, latest.getRecordsCount());
        assertEquals(0, latest.getMillisBehindLatest());
        AppendResponse more = client.appendOne(batch(stream, shardId, List.of(record("late", "after-latest".getBytes()))));
        ReadResponse afterLatest = client.read(stream, shardId, latest.getNextPosition(), 100);
        assertEquals(1, afterLatest.getRecordsCount(), "a LATEST position sees records appended after it");
        assertEquals("after-latest", afterLatest.getRecords(0).getData().toStringUtf8());
        assertEquals(more.getAck().getSequenceNumbers(0), afterLatest.getRecords(0).getSequenceNumber());

        io.tributary.protocol.v1.Position atStart = io.tributary.protocol.v1.Position.newBuilder()
                .setType(PositionType.AT_TIMESTAMP).setTimestampMillis(before - 1000).build();
        assertEquals(51, client.readAll(stream, shardId, atStart).size());
        io.tributary.protocol.v1.Position atLate = io.tributary.protocol.v1.Position.newBuilder()
                .setType(PositionType.AT_TIMESTAMP).setTimestampMillis(more.getAck().getArrivalTimestampMillis()).build();
        List<StoredRecord> fromLate = client.readAll(stream, shardId, atLate);
        assertTrue(fromLate.size() >= 1 && fromLate.get(fromLate.size() - 1).getData().toStringUtf8().equals("after-latest"));
        for (StoredRecord r : fromLate) {
            assertTrue(r.getArrivalTimestampMillis() >= more.getAck().getArrivalTimestampMillis());
        }
    }

    @Test
    void boundsAReadByCountAndBytesAndReportsHowFarBehindItIs() {
        String stream = "bounded-" + System.nanoTime();
        String shardId = client.create(stream, 1).getShards(0).getShardId();
        for (int b = 0; b < 3; b++) {
            List<Record> records = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                records.add(record("k", new byte[1000]));
            }
            client.appendOne(batch(stream, shardId, records));
        }
        ReadResponse first = client.read(stream, shardId, position(PositionType.TRIM_HORIZON), 7);
        assertEquals(7, first.getRecordsCount());
        assertTrue(first.getMillisBehindLatest() >= 0);
        ReadResponse bytes = blocking.read(io.tributary.protocol.v1.ReadRequest.newBuilder()
                .setStream(LogClient.ref(stream)).setShardId(shardId)
                .setPosition(position(PositionType.TRIM_HORIZON)).setMaxBytes(10_500).build());
        assertEquals(10, bytes.getRecordsCount(), "10 records of 1000 bytes fit in 10 500 bytes, 11 do not");
        ReadResponse rest = client.read(stream, shardId, first.getNextPosition(), 10_000);
        assertEquals(293, rest.getRecordsCount());
        assertEquals(0, rest.getMillisBehindLatest(), "a read that reaches the newest record is not behind");
        assertEquals(SequenceNumbers.LENGTH, rest.getRecords(0).getSequenceNumber().length());
    }
}
