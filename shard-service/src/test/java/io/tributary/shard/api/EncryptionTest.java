package io.tributary.shard.api;

import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.Record;
import io.tributary.shard.grpc.LogClient;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.EncryptionType;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamDescriptionSummary;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * StartStreamEncryption / StopStreamEncryption through the AWS SDK: what is appended while a stream is
 * encrypted is stored encrypted (the bytes in PostgreSQL are not the records) and read back in the clear;
 * the description reports EncryptionType and KeyId; an unknown key is refused with Kinesis's error.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class EncryptionTest {

    @TestHTTPResource("/")
    URL url;

    @GrpcClient("shard")
    io.grpc.Channel channel;

    @Inject
    Pool pool;

    LogClient log;

    @BeforeEach
    void setUp() {
        log = new LogClient(channel);
    }

    private void append(String stream, String prefix, int count, int size) {
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[size];
            byte[] text = (prefix + i + "|").getBytes(StandardCharsets.UTF_8);
            for (int b = 0; b < size; b++) {
                data[b] = text[b % text.length];
            }
            records.add(LogClient.record(prefix + i, data));
        }
        AppendResponse r = log.appendOne(LogClient.batch(stream, "shardId-000000000000", records));
        assertTrue(r.hasAck(), () -> r.getError().getMessage());
    }

    /** Stored payloads of a stream's batches, in order, and whether each names a data key. */
    private List<Row> storedBatches(String stream) {
        List<Row> out = new ArrayList<>();
        pool.preparedQuery("""
                SELECT b.payload, b.data_key_id, b.first_position, b.last_position
                FROM record_batches b JOIN shards s ON s.shard_key = b.shard_key
                JOIN streams t ON t.id = s.stream_id WHERE t.name = $1 ORDER BY b.last_position""")
                .execute(Tuple.of(stream)).await().atMost(Duration.ofSeconds(30)).forEach(out::add);
        return out;
    }

    @Test
    void encryptsWhatIsAppendedWhileOnAndReadsEverythingBack() throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true)) {
            KinesisClient k = c.kinesis();
            String name = "encrypted-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(1));
            append(name, "plain", 2, 100);

            k.startStreamEncryption(b -> b.streamName(name).encryptionType(EncryptionType.KMS).keyId("alias/aws/kinesis"));
            StreamDescriptionSummary on = k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary();
            assertEquals(EncryptionType.KMS, on.encryptionType());
            assertEquals("alias/aws/kinesis", on.keyId());
            // Enough records that the first ones leave the in-memory tail (64 KiB in tests): reads of them
            // go through storage and decryption.
            for (int i = 0; i < 4; i++) {
                append(name, "secret" + i, 20, 1000);
            }
            k.stopStreamEncryption(b -> b.streamName(name).encryptionType(EncryptionType.KMS).keyId("alias/aws/kinesis"));
            assertEquals(EncryptionType.NONE, k.describeStream(b -> b.streamName(name)).streamDescription().encryptionType());
            assertNull(k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().keyId());
            append(name, "after", 1, 100);

            // Records 0-1 plain, 2-81 the four encrypted batches (stored as several rows each, a row being
            // at most storage.row-bytes), 82 plain again; counted from the shard's first position.
            List<Row> stored = storedBatches(name);
            assertTrue(stored.size() > 6, "the 20 000-byte batches are stored as several rows: " + stored.size());
            long base = stored.get(0).getLong(2);
            long next = 0;
            for (Row row : stored) {
                long first = row.getLong(2) - base;
                assertEquals(next, first, "rows hold consecutive positions");
                next = row.getLong(3) - base + 1;
                String bytes = new String(row.getBuffer(0).getBytes(), StandardCharsets.ISO_8859_1);
                boolean encrypted = first >= 2 && first <= 81;
                assertTrue(!encrypted || next - 1 <= 81, "a row never mixes encrypted and plain records");
                assertEquals(encrypted, row.getLong(1) != null, "row from position " + first + " names its data key");
                assertEquals(!encrypted, bytes.contains("plain0|") || bytes.contains("after0|"),
                        "row from position " + first + " in the clear");
                assertFalse(bytes.contains("secret"), "no encrypted record is readable in storage");
            }
            assertEquals(83, next, "every record stored");

            String it = k.getShardIterator(b -> b.streamName(name).shardId("shardId-000000000000")
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            List<String> keys = new ArrayList<>();
            while (it != null) {
                String current = it;
                GetRecordsResponse r = k.getRecords(b -> b.shardIterator(current).limit(7));
                r.records().forEach(rec -> {
                    keys.add(rec.partitionKey());
                    String text = rec.data().asUtf8String();
                    assertTrue(text.startsWith(rec.partitionKey() + "|"), text.substring(0, 20));
                    assertEquals(rec.partitionKey().startsWith("secret") ? EncryptionType.KMS : EncryptionType.NONE,
                            rec.encryptionType(), rec.partitionKey());
                });
                it = r.records().isEmpty() ? null : r.nextShardIterator();
            }
            assertEquals(2 + 80 + 1, keys.size(), "every record read back in the clear");
            assertEquals("plain0", keys.get(0));
            assertEquals("secret00", keys.get(2));
            assertEquals("after0", keys.get(keys.size() - 1));
        }
    }

    @Test
    void refusesAKeyThatIsNotInTheRing() throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, false)) {
            KinesisClient k = c.kinesis();
            String name = "encrypted-bad-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(1));
            KinesisException unknown = assertThrows(KinesisException.class, () -> k.startStreamEncryption(b -> b
                    .streamName(name).encryptionType(EncryptionType.KMS).keyId("alias/not-configured")));
            assertEquals("KMSNotFoundException", unknown.awsErrorDetails().errorCode());
            assertEquals(EncryptionType.NONE, k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().encryptionType());
            k.startStreamEncryption(b -> b.streamName(name).encryptionType(EncryptionType.KMS)
                    .keyId("arn:aws:kms:us-east-1:000000000001:alias/orders"));
            assertEquals("arn:aws:kms:us-east-1:000000000001:alias/orders",
                    k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().keyId());
        }
    }
}
