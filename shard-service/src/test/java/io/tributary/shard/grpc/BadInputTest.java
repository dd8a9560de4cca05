package io.tributary.shard.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.batch.RecordBatchWriter;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.CreateStreamRequest;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Position;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.StreamAdminGrpc;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.shard.HashKeys;
import io.tributary.shard.SequenceNumbers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.tributary.shard.grpc.LogClient.at;
import static io.tributary.shard.grpc.LogClient.batch;
import static io.tributary.shard.grpc.LogClient.position;
import static io.tributary.shard.grpc.LogClient.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every refused input gets its typed error and changes nothing. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class BadInputTest {

    @GrpcClient("shard")
    io.grpc.Channel channel;

    LogClient client;
    StreamAdminGrpc.StreamAdminBlockingStub admin;
    StreamLogGrpc.StreamLogBlockingStub blocking;
    StreamLogGrpc.StreamLogStub async;
    String stream;
    StreamDescription description;
    String shard0;
    String shard1;

    @BeforeEach
    void setUp() {
        client = new LogClient(channel);
        admin = client.admin();
        blocking = client.blocking();
        async = client.async();
        stream = "bad-" + System.nanoTime();
        description = client.create(stream, 2);
        shard0 = description.getShards(0).getShardId();
        shard1 = description.getShards(1).getShardId();
    }

    private String keyIn(String shardId) {
        for (int i = 0; ; i++) {
            if (LogClient.shardFor(description, "k" + i).getShardId().equals(shardId)) {
                return "k" + i;
            }
        }
    }

    private void assertRefusedAndNothingStored(ErrorCode code, String shardId, List<Record> records) {
        AppendResponse r = client.appendOne(batch(stream, shardId, records));
        assertTrue(r.hasError(), "expected " + code);
        assertEquals(code, r.getError().getCode(), r.getError().getMessage());
        assertTrue(!r.getError().getMessage().isBlank());
        for (String s : List.of(shard0, shard1)) {
            assertEquals(0, client.readAll(stream, s, position(PositionType.TRIM_HORIZON)).size(),
                    "a refused batch leaves nothing behind");
        }
    }

    @Test
    void rejectsEmptyPartitionKey() {
        assertRefusedAndNothingStored(ErrorCode.INVALID_PARTITION_KEY, shard0,
                List.of(record(keyIn(shard0), new byte[1]), Record.newBuilder().setData(ByteString.copyFromUtf8("x")).build()));
    }

    @Test
    void rejectsPartitionKeyOver256Characters() {
        String key = "k".repeat(257);
        assertRefusedAndNothingStored(ErrorCode.INVALID_PARTITION_KEY, LogClient.shardFor(description, key).getShardId(),
                List.of(record(key, new byte[1])));
    }

    @Test
    void acceptsPartitionKeyOfExactly256Characters() {
        String key = "k".repeat(256);
        AppendResponse r = client.appendOne(batch(stream, LogClient.shardFor(description, key).getShardId(),
                List.of(record(key, new byte[1]))));
        assertTrue(r.hasAck(), () -> r.getError().getMessage());
    }

    @Test
    void rejectsRecordOverTheStreamsMaximumSize() {
        String key = keyIn(shard0);
        // 1 MiB including the key: one byte more than allowed.
        byte[] data = new byte[1024 * 1024 - key.length() + 1];
        assertRefusedAndNothingStored(ErrorCode.RECORD_TOO_LARGE, shard0, List.of(record(key, new byte[10]), record(key, data)));
        AppendResponse ok = client.appendOne(batch(stream, shard0, List.of(record(key, new byte[1024 * 1024 - key.length()]))));
        assertTrue(ok.hasAck(), "a record of exactly the maximum size is accepted");
    }

    @Test
    void acceptsLargerRecordsOnStreamsConfiguredForThem() {
        String big = "big-" + System.nanoTime();
        StreamDescription d = admin.createStream(CreateStreamRequest.newBuilder().setStream(LogClient.ref(big))
                .setShardCount(1).setMaxRecordSizeBytes(10 * 1024 * 1024).build());
        assertEquals(10 * 1024 * 1024, d.getMaxRecordSizeBytes());
        byte[] data = new byte[5 * 1024 * 1024];
        data[4_000_000] = 7;
        AppendResponse r = client.appendOne(batch(big, d.getShards(0).getShardId(), List.of(record("k", data))));
        assertTrue(r.hasAck(), () -> r.getError().getMessage());
        var read = client.read(big, d.getShards(0).getShardId(), position(PositionType.TRIM_HORIZON), 1);
        assertEquals(7, read.getRecords(0).getData().byteAt(4_000_000));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> admin.createStream(
                CreateStreamRequest.newBuilder().setStream(LogClient.ref(big + "x")).setShardCount(1)
                        .setMaxRecordSizeBytes(10 * 1024 * 1024 + 1).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }

    @Test
    void rejectsExplicitHashKeyOutsideTheKeySpace() {
        Record outside = Record.newBuilder().setPartitionKey("k").setExplicitHashKey(HashKeys.MAX.add(java.math.BigInteger.ONE).toString())
                .setData(ByteString.copyFromUtf8("x")).build();
        assertRefusedAndNothingStored(ErrorCode.INVALID_HASH_KEY, shard1, List.of(outside));
        Record notANumber = Record.newBuilder().setPartitionKey("k").setExplicitHashKey("12abc")
                .setData(ByteString.copyFromUtf8("x")).build();
        assertRefusedAndNothingStored(ErrorCode.INVALID_HASH_KEY, shard1, List.of(notANumber));
    }

    @Test
    void rejectsRecordWhoseHashKeyBelongsToAnotherShard() {
        assertRefusedAndNothingStored(ErrorCode.WRONG_SHARD, shard0,
                List.of(record(keyIn(shard0), new byte[1]), record(keyIn(shard1), new byte[1])));
        Record explicit = Record.newBuilder().setPartitionKey(keyIn(shard0))
                .setExplicitHashKey(description.getShards(1).getStartingHashKey()).setData(ByteString.copyFromUtf8("x")).build();
        AppendResponse r = client.appendOne(batch(stream, shard1, List.of(explicit)));
        assertTrue(r.hasAck(), "an explicit hash key overrides the partition key's hash");
    }

    @Test
    void rejectsUnknownStreamAndShard() {
        AppendResponse noStream = client.appendOne(batch("no-such-stream-" + System.nanoTime(), shard0,
                List.of(record("k", new byte[1]))));
        assertEquals(ErrorCode.STREAM_NOT_FOUND, noStream.getError().getCode());
        AppendResponse noShard = client.appendOne(batch(stream, "shardId-000000000009", List.of(record("k", new byte[1]))));
        assertEquals(ErrorCode.SHARD_NOT_FOUND, noShard.getError().getCode());
        AppendResponse badShardId = client.appendOne(batch(stream, "shard-1", List.of(record("k", new byte[1]))));
        assertEquals(ErrorCode.SHARD_NOT_FOUND, badShardId.getError().getCode());

        assertStatus(Status.Code.NOT_FOUND, "STREAM_NOT_FOUND",
                () -> client.read("no-such-stream-" + System.nanoTime(), shard0, position(PositionType.LATEST), 1));
        assertStatus(Status.Code.NOT_FOUND, "SHARD_NOT_FOUND",
                () -> client.read(stream, "shardId-000000000002", position(PositionType.LATEST), 1));
    }

    private void assertRefusedAndNothingStored(ErrorCode code, AppendRequest request) {
        AppendResponse r = client.appendOne(request);
        assertTrue(r.hasError(), "expected " + code);
        assertEquals(code, r.getError().getCode(), r.getError().getMessage());
        for (String s : List.of(shard0, shard1)) {
            assertEquals(0, client.readAll(stream, s, position(PositionType.TRIM_HORIZON)).size(),
                    "a refused batch leaves nothing behind");
        }
    }

    private AppendRequest encoded(String shardId, byte[] encoded, List<String> explicitHashKeys) {
        return AppendRequest.newBuilder().setBatchId(1).setStream(LogClient.ref(stream)).setShardId(shardId)
                .setEncodedRecords(ByteString.copyFrom(encoded)).addAllExplicitHashKeys(explicitHashKeys).build();
    }

    private byte[] encodedBatch(String shardId, int records) {
        RecordBatchWriter writer = new RecordBatchWriter();
        for (int i = 0; i < records; i++) {
            writer.add(keyIn(shardId), ("record " + i).getBytes(StandardCharsets.UTF_8));
        }
        return writer.finish();
    }

    @Test
    void rejectsEncodedBatchThatFailsItsChecksum() {
        byte[] batch = encodedBatch(shard0, 3);
        batch[batch.length - 6] ^= 0x01;
        assertRefusedAndNothingStored(ErrorCode.INVALID_ARGUMENT, encoded(shard0, batch, List.of()));
        assertRefusedAndNothingStored(ErrorCode.INVALID_ARGUMENT, encoded(shard0, new byte[]{1, 2, 3}, List.of()));
    }

    @Test
    void rejectsEncodedPartitionKeyThatIsNotUtf8() {
        RecordBatchWriter writer = new RecordBatchWriter();
        writer.add(keyIn(shard0), new byte[1]);
        byte[] badKey = {(byte) 0xc3, (byte) 0x28};
        writer.add(badKey, 0, badKey.length, new byte[1], 0, 1);
        assertRefusedAndNothingStored(ErrorCode.INVALID_PARTITION_KEY, encoded(shard0, writer.finish(), List.of()));
    }

    @Test
    void rejectsEncodedRecordsOfAnotherShard() {
        RecordBatchWriter writer = new RecordBatchWriter();
        writer.add(keyIn(shard0), new byte[1]);
        writer.add(keyIn(shard1), new byte[1]);
        assertRefusedAndNothingStored(ErrorCode.WRONG_SHARD, encoded(shard0, writer.finish(), List.of()));
    }

    @Test
    void rejectsExplicitHashKeysThatAreNotOnePerRecord() {
        String inShard1 = description.getShards(1).getStartingHashKey();
        assertRefusedAndNothingStored(ErrorCode.INVALID_ARGUMENT, encoded(shard1, encodedBatch(shard1, 3), List.of(inShard1)));
        AppendResponse ok = client.appendOne(encoded(shard1, encodedBatch(shard0, 2), List.of(inShard1, inShard1)));
        assertTrue(ok.hasAck(), "explicit hash keys override the keys' hashes: " + ok);
    }

    @Test
    void rejectsRequestCarryingBothRecordFormsAtOnce() {
        AppendRequest both = encoded(shard0, encodedBatch(shard0, 1), List.of()).toBuilder()
                .addRecords(record(keyIn(shard0), new byte[1])).build();
        assertRefusedAndNothingStored(ErrorCode.INVALID_ARGUMENT, both);
    }

    @Test
    void rejectsEmptyBatch() {
        assertRefusedAndNothingStored(ErrorCode.INVALID_ARGUMENT, shard0, List.of());
    }

    @Test
    void rejectsPositionsThatDoNotExist() {
        String key = keyIn(shard0);
        AppendResponse r = client.appendOne(batch(stream, shard0, List.of(record(key, new byte[1]))));
        String seq = r.getAck().getSequenceNumbers(0);
        SequenceNumbers.Parsed parsed = SequenceNumbers.parse(seq);
        // A sequence number of another shard.
        assertStatus(Status.Code.INVALID_ARGUMENT, "INVALID_POSITION",
                () -> client.read(stream, shard1, at(PositionType.AT_SEQUENCE_NUMBER, seq), 1));
        // One not assigned yet.
        String future = SequenceNumbers.format(parsed.position() + 1000, parsed.shardIndex());
        assertStatus(Status.Code.INVALID_ARGUMENT, "INVALID_POSITION",
                () -> client.read(stream, shard0, at(PositionType.AT_SEQUENCE_NUMBER, future), 1));
        // Not a sequence number at all.
        assertStatus(Status.Code.INVALID_ARGUMENT, "INVALID_POSITION",
                () -> client.read(stream, shard0, at(PositionType.AFTER_SEQUENCE_NUMBER, "banana"), 1));
        // A timestamp in the future.
        Position tomorrow = Position.newBuilder().setType(PositionType.AT_TIMESTAMP)
                .setTimestampMillis(System.currentTimeMillis() + 86_400_000L).build();
        assertStatus(Status.Code.INVALID_ARGUMENT, "INVALID_POSITION", () -> client.read(stream, shard0, tomorrow, 1));
        // The real one still reads.
        assertEquals(1, client.read(stream, shard0, at(PositionType.AT_SEQUENCE_NUMBER, seq), 1).getRecordsCount());
    }

    @Test
    void rejectsInvalidStreamDefinitions() {
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, "LIMIT_EXCEEDED", () -> client.create("zero-" + System.nanoTime(), 0));
        assertStatus(Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT", () -> client.create("bad name!", 1));
        assertStatus(Status.Code.ALREADY_EXISTS, "STREAM_ALREADY_EXISTS", () -> client.create(stream, 1));
        assertStatus(Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT", () -> admin.createStream(CreateStreamRequest
                .newBuilder().setStream(LogClient.ref("ret-" + System.nanoTime())).setShardCount(1)
                .setRetentionPeriodHours(23).build()));
    }

    private static void assertStatus(Status.Code code, String errorCode, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getMessage());
        assertEquals(errorCode, e.getTrailers().get(GrpcErrors.ERROR_CODE));
    }
}
