package io.tributary.ingest.api;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.aws.GatewayHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PutRecord and PutRecords through ingest-service into a real shard-service process, with the real AWS
 * SDK in CBOR and in JSON; everything is read back with GetRecords from shard-service.
 */
@QuarkusTest
@WithTestResource(ShardServiceProcess.class)
class PutRecordsTest {

    private static final String TENANT = "000000000042";

    @TestHTTPResource("/")
    URL ingest;

    static KinesisClient client(URI endpoint, boolean cbor) {
        String previous = System.getProperty("aws.cborEnabled");
        System.setProperty("aws.cborEnabled", Boolean.toString(cbor));
        try {
            return KinesisClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                    .httpClient(UrlConnectionHttpClient.create())
                    .overrideConfiguration(o -> o.putHeader(GatewayHeaders.TENANT, TENANT))
                    .build();
        } finally {
            if (previous == null) {
                System.clearProperty("aws.cborEnabled");
            } else {
                System.setProperty("aws.cborEnabled", previous);
            }
        }
    }

    private static String shardOf(List<Shard> shards, String partitionKey) throws Exception {
        BigInteger hash = new BigInteger(1, MessageDigest.getInstance("MD5").digest(partitionKey.getBytes(StandardCharsets.UTF_8)));
        for (Shard s : shards) {
            if (hash.compareTo(new BigInteger(s.hashKeyRange().startingHashKey())) >= 0
                    && hash.compareTo(new BigInteger(s.hashKeyRange().endingHashKey())) <= 0) {
                return s.shardId();
            }
        }
        throw new AssertionError("no shard for " + partitionKey);
    }

    @ParameterizedTest(name = "cbor={0}")
    @ValueSource(booleans = {true, false})
    void storesEveryRecordOnTheShardItsKeyHashesToAndReadsItBackExactlyOnce(boolean cbor) throws Exception {
        try (KinesisClient puts = client(ingest.toURI(), cbor);
             KinesisClient shards = client(URI.create("http://127.0.0.1:" + ShardServiceProcess.httpPort), cbor)) {
            String stream = "put-" + cbor + "-" + System.nanoTime();
            shards.createStream(b -> b.streamName(stream).shardCount(4));
            List<Shard> shardList = shards.listShards(b -> b.streamName(stream)).shards();
            Random random = new Random(cbor ? 1 : 2);
            Map<String, List<byte[]>> sentByShard = new HashMap<>();
            Map<String, List<String>> sequenceByShard = new HashMap<>();

            for (int request = 0; request < 4; request++) {
                List<PutRecordsRequestEntry> entries = new ArrayList<>();
                List<byte[]> data = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    byte[] d = new byte[random.nextInt(1500)];
                    random.nextBytes(d);
                    data.add(d);
                    entries.add(PutRecordsRequestEntry.builder().partitionKey("key-" + random.nextLong())
                            .data(SdkBytes.fromByteArray(d)).build());
                }
                PutRecordsResponse r = puts.putRecords(b -> b.streamName(stream).records(entries));
                assertEquals(0, r.failedRecordCount());
                for (int i = 0; i < entries.size(); i++) {
                    PutRecordsResultEntry e = r.records().get(i);
                    assertEquals(shardOf(shardList, entries.get(i).partitionKey()), e.shardId(), "MD5 routing");
                    sentByShard.computeIfAbsent(e.shardId(), k -> new ArrayList<>()).add(data.get(i));
                    sequenceByShard.computeIfAbsent(e.shardId(), k -> new ArrayList<>()).add(e.sequenceNumber());
                }
            }
            for (int i = 0; i < 50; i++) {
                String key = "single-" + i;
                byte[] d = ("record " + i).getBytes(StandardCharsets.UTF_8);
                PutRecordResponse r = puts.putRecord(b -> b.streamName(stream).partitionKey(key).data(SdkBytes.fromByteArray(d)));
                assertEquals(shardOf(shardList, key), r.shardId());
                sentByShard.computeIfAbsent(r.shardId(), k -> new ArrayList<>()).add(d);
                sequenceByShard.computeIfAbsent(r.shardId(), k -> new ArrayList<>()).add(r.sequenceNumber());
            }
            assertEquals(4, sentByShard.size());

            int total = 0;
            for (Shard s : shardList) {
                String iterator = shards.getShardIterator(b -> b.streamName(stream).shardId(s.shardId())
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
                List<Record> read = new ArrayList<>();
                while (true) {
                    String it = iterator;
                    GetRecordsResponse r = shards.getRecords(b -> b.shardIterator(it));
                    read.addAll(r.records());
                    iterator = r.nextShardIterator();
                    if (r.records().isEmpty()) {
                        break;
                    }
                }
                List<byte[]> expected = sentByShard.get(s.shardId());
                List<String> expectedSequence = sequenceByShard.get(s.shardId());
                assertEquals(expected.size(), read.size(), "every acknowledged record once on " + s.shardId());
                // Records of one shard from concurrent batches: match by sequence number, then check the order.
                Map<String, byte[]> bySequence = new HashMap<>();
                for (int i = 0; i < expected.size(); i++) {
                    bySequence.put(expectedSequence.get(i), expected.get(i));
                }
                for (int i = 0; i < read.size(); i++) {
                    byte[] want = bySequence.get(read.get(i).sequenceNumber());
                    assertNotNull(want, "a record nobody put: " + read.get(i).sequenceNumber());
                    assertArrayEquals(want, read.get(i).data().asByteArray());
                    if (i > 0) {
                        assertTrue(new BigInteger(read.get(i - 1).sequenceNumber()).compareTo(new BigInteger(read.get(i).sequenceNumber())) < 0);
                    }
                }
                total += read.size();
            }
            assertEquals(2050, total);
        }
    }

    @org.junit.jupiter.api.Test
    void holdsStreamsTaggedForItToKinesisPerShardLimits() throws Exception {
        try (KinesisClient puts = client(ingest.toURI(), true);
             KinesisClient shards = client(URI.create("http://127.0.0.1:" + ShardServiceProcess.httpPort), true)) {
            String stream = "quota-" + System.nanoTime();
            shards.createStream(b -> b.streamName(stream).shardCount(1).tags(Map.of("tributary:shard-quotas", "kinesis")));
            int stored = 0;
            int throttled = 0;
            for (int request = 0; request < 4; request++) {
                List<PutRecordsRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    entries.add(PutRecordsRequestEntry.builder().partitionKey("k" + i)
                            .data(SdkBytes.fromByteArray(new byte[1000])).build());
                }
                PutRecordsResponse r = puts.putRecords(b -> b.streamName(stream).records(entries));
                for (PutRecordsResultEntry e : r.records()) {
                    if (e.errorCode() == null) {
                        stored++;
                    } else {
                        assertEquals("ProvisionedThroughputExceededException", e.errorCode());
                        throttled++;
                    }
                }
                assertEquals(r.failedRecordCount().intValue(), (int) r.records().stream().filter(e -> e.errorCode() != null).count());
            }
            assertTrue(throttled > 0, "2 000 records of 1 KB within a moment exceed 1 000 records/s and 1 MiB/s");
            assertTrue(stored >= 1000 && stored < 2000, "a second's worth passes: " + stored);
            String iterator = shards.getShardIterator(b -> b.streamName(stream).shardId("shardId-000000000000")
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            int read = 0;
            for (String it = iterator; it != null; ) {
                String current = it;
                GetRecordsResponse r = shards.getRecords(b -> b.shardIterator(current));
                read += r.records().size();
                it = r.records().isEmpty() ? null : r.nextShardIterator();
            }
            assertEquals(stored, read, "throttled records were not written");
        }
    }

    @ParameterizedTest(name = "cbor={0}")
    @ValueSource(booleans = {true, false})
    void refusesBadRequestsWithKinesisErrorsAndWritesNothing(boolean cbor) throws Exception {
        try (KinesisClient puts = client(ingest.toURI(), cbor);
             KinesisClient shards = client(URI.create("http://127.0.0.1:" + ShardServiceProcess.httpPort), cbor)) {
            String stream = "put-bad-" + cbor + "-" + System.nanoTime();
            shards.createStream(b -> b.streamName(stream).shardCount(1));
            SdkBytes small = SdkBytes.fromUtf8String("x");

            assertThrows(ResourceNotFoundException.class,
                    () -> puts.putRecord(b -> b.streamName("missing-" + stream).partitionKey("k").data(small)));
            assertThrows(ValidationException.class,
                    () -> puts.putRecord(b -> b.streamName(stream).partitionKey("k".repeat(257)).data(small)));
            List<PutRecordsRequestEntry> tooMany = new ArrayList<>();
            for (int i = 0; i < 501; i++) {
                tooMany.add(PutRecordsRequestEntry.builder().partitionKey("k" + i).data(small).build());
            }
            assertThrows(ValidationException.class, () -> puts.putRecords(b -> b.streamName(stream).records(tooMany)));
            byte[] mebibyte = new byte[1024 * 1024];
            assertThrows(InvalidArgumentException.class, () -> puts.putRecord(b -> b.streamName(stream).partitionKey("k")
                    .data(SdkBytes.fromByteArray(mebibyte))), "data plus key over the stream's 1 MiB record size");
            assertThrows(InvalidArgumentException.class, () -> puts.putRecord(b -> b.streamName(stream).partitionKey("k")
                    .explicitHashKey(BigInteger.ONE.shiftLeft(128).toString()).data(small)));
            // A request with one bad record among good ones is refused whole.
            List<PutRecordsRequestEntry> mixed = List.of(
                    PutRecordsRequestEntry.builder().partitionKey("good").data(small).build(),
                    PutRecordsRequestEntry.builder().partitionKey("").data(small).build());
            assertThrows(ValidationException.class, () -> puts.putRecords(b -> b.streamName(stream).records(mixed)));

            String iterator = shards.getShardIterator(b -> b.streamName(stream).shardId("shardId-000000000000")
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            assertEquals(0, shards.getRecords(b -> b.shardIterator(iterator)).records().size(), "nothing was written");
        }
    }

    /** Bodies no SDK sends: answered with AWS's errors in the request's format, and the service goes on. */
    @Test
    void answersMalformedAndEmptyBodiesWithAwsErrors() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        record Answer(int status, String type) {
        }
        java.util.function.BiFunction<String, byte[], Answer> post = (contentType, body) -> {
            try {
                java.net.http.HttpResponse<byte[]> r = http.send(java.net.http.HttpRequest.newBuilder(ingest.toURI())
                        .header("X-Amz-Target", "Kinesis_20131202.PutRecord").header("Content-Type", contentType)
                        .header(GatewayHeaders.TENANT, TENANT)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                return new Answer(r.statusCode(), r.headers().firstValue("x-amzn-ErrorType").orElse(""));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        assertEquals(new Answer(400, "SerializationException"),
                post.apply("application/x-amz-json-1.1", "{\"StreamName\": ".getBytes(StandardCharsets.UTF_8)));
        assertEquals(new Answer(400, "SerializationException"),
                post.apply("application/x-amz-json-1.1", "[1, 2]".getBytes(StandardCharsets.UTF_8)));
        assertEquals(new Answer(400, "SerializationException"),
                post.apply("application/x-amz-cbor-1.1", new byte[] {(byte) 0xbf, 0x61}));
        // An empty body is an empty document: PutRecord then lacks its required members.
        assertEquals(new Answer(400, "ValidationException"), post.apply("application/x-amz-json-1.1", new byte[0]));
    }
}
