package io.tributary.gateway.it;

import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.testsupport.PackagedService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole public path, packaged: gateway, ingest-service and shard-service as three separate
 * processes on a real PostgreSQL, used only through the gateway with the real AWS SDK for Java v2, as a
 * Kinesis user would: 10 000 records with random keys through PutRecords and PutRecord, read back through
 * every iterator type.
 */
class KinesisCompatibilityIT {

    private static PackagedService shard;
    private static PackagedService ingest;
    private static PackagedService gateway;

    @BeforeAll
    static void startPlatform() {
        Map<String, String> datasource = PostgresTestResource.datasourceConfig();
        int shardGrpc = PackagedService.freePort();
        shard = new PackagedService("shard-service", "it-shard-service").with(datasource)
                .with("quarkus.grpc.server.port", shardGrpc).start();
        ingest = new PackagedService("ingest-service", "it-ingest-service")
                .with("quarkus.grpc.clients.shard.port", shardGrpc).start();
        byte[] masterKey = new byte[32];
        new SecureRandom().nextBytes(masterKey);
        gateway = new PackagedService("gateway", "it-gateway").with(datasource)
                .with("tributary.gateway.master-key", Base64.getEncoder().encodeToString(masterKey))
                .with("tributary.gateway.bootstrap.access-key-id", "it-key")
                .with("tributary.gateway.bootstrap.secret-access-key", "it-secret")
                .with("tributary.gateway.bootstrap.account-id", "000000000123")
                .with("tributary.gateway.services.ingest-url", ingest.baseUrl())
                .with("tributary.gateway.services.shard-url", shard.baseUrl())
                .start();
    }

    @AfterAll
    static void stopPlatform() {
        for (PackagedService s : new PackagedService[]{gateway, ingest, shard}) {
            if (s != null) {
                s.stop();
            }
        }
    }

    private static KinesisClient client(boolean cbor) {
        String previous = System.getProperty("aws.cborEnabled");
        System.setProperty("aws.cborEnabled", Boolean.toString(cbor));
        try {
            return KinesisClient.builder().endpointOverride(URI.create(gateway.baseUrl())).region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("it-key", "it-secret")))
                    .httpClient(UrlConnectionHttpClient.create())
                    .build();
        } finally {
            if (previous == null) {
                System.clearProperty("aws.cborEnabled");
            } else {
                System.setProperty("aws.cborEnabled", previous);
            }
        }
    }

    private static String shardOf(List<Shard> shards, String key) throws Exception {
        BigInteger hash = new BigInteger(1, MessageDigest.getInstance("MD5").digest(key.getBytes(StandardCharsets.UTF_8)));
        for (Shard s : shards) {
            if (hash.compareTo(new BigInteger(s.hashKeyRange().startingHashKey())) >= 0
                    && hash.compareTo(new BigInteger(s.hashKeyRange().endingHashKey())) <= 0) {
                return s.shardId();
            }
        }
        throw new AssertionError("no shard covers " + key);
    }

    private record Sent(String key, byte[] data, String sequenceNumber) {
    }

    private static List<Record> readAll(KinesisClient k, String iterator) {
        List<Record> out = new ArrayList<>();
        String it = iterator;
        while (it != null) {
            String current = it;
            GetRecordsResponse r = k.getRecords(b -> b.shardIterator(current).limit(1000));
            out.addAll(r.records());
            it = r.records().isEmpty() ? null : r.nextShardIterator();
        }
        return out;
    }

    @ParameterizedTest(name = "cbor={0}")
    @ValueSource(booleans = {true, false})
    void tenThousandRecordsInAndBackThroughEveryIteratorType(boolean cbor) throws Exception {
        try (KinesisClient k = client(cbor)) {
            String stream = "it-" + cbor + "-" + System.nanoTime();
            k.createStream(b -> b.streamName(stream).shardCount(4));
            k.waiter().waitUntilStreamExists(b -> b.streamName(stream));
            List<Shard> shards = k.listShards(b -> b.streamName(stream)).shards();
            Random random = new Random(cbor ? 11 : 12);
            Map<String, List<Sent>> sentByShard = new HashMap<>();

            for (int request = 0; request < 18; request++) {
                List<PutRecordsRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    byte[] data = new byte[1 + random.nextInt(2000)];
                    random.nextBytes(data);
                    entries.add(PutRecordsRequestEntry.builder().partitionKey(Long.toHexString(random.nextLong()))
                            .data(SdkBytes.fromByteArray(data)).build());
                }
                PutRecordsResponse r = k.putRecords(b -> b.streamName(stream).records(entries));
                assertEquals(0, r.failedRecordCount());
                for (int i = 0; i < entries.size(); i++) {
                    String key = entries.get(i).partitionKey();
                    assertEquals(shardOf(shards, key), r.records().get(i).shardId(), "MD5 routing of " + key);
                    sentByShard.computeIfAbsent(r.records().get(i).shardId(), x -> new ArrayList<>())
                            .add(new Sent(key, entries.get(i).data().asByteArray(), r.records().get(i).sequenceNumber()));
                }
            }
            for (int i = 0; i < 1000; i++) {
                String key = "single-" + random.nextInt();
                byte[] data = ("record " + i).getBytes(StandardCharsets.UTF_8);
                PutRecordResponse r = k.putRecord(b -> b.streamName(stream).partitionKey(key).data(SdkBytes.fromByteArray(data)));
                assertEquals(shardOf(shards, key), r.shardId());
                sentByShard.computeIfAbsent(r.shardId(), x -> new ArrayList<>()).add(new Sent(key, data, r.sequenceNumber()));
            }

            // TRIM_HORIZON: every record exactly once, byte for byte, in sequence order, on its shard.
            int total = 0;
            Set<String> allSequenceNumbers = new HashSet<>();
            Map<String, List<Record>> readByShard = new HashMap<>();
            for (Shard s : shards) {
                List<Record> read = readAll(k, k.getShardIterator(b -> b.streamName(stream).shardId(s.shardId())
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator());
                readByShard.put(s.shardId(), read);
                Map<String, Sent> bySequence = new HashMap<>();
                for (Sent sent : sentByShard.get(s.shardId())) {
                    bySequence.put(sent.sequenceNumber(), sent);
                }
                assertEquals(bySequence.size(), read.size(), "each acknowledged record once on " + s.shardId());
                for (int i = 0; i < read.size(); i++) {
                    Record r = read.get(i);
                    Sent sent = bySequence.get(r.sequenceNumber());
                    assertNotNull(sent, "read a record nobody put: " + r.sequenceNumber());
                    assertEquals(sent.key(), r.partitionKey());
                    assertArrayEquals(sent.data(), r.data().asByteArray());
                    assertTrue(allSequenceNumbers.add(r.sequenceNumber()), "unique in the stream");
                    if (i > 0) {
                        assertTrue(new BigInteger(read.get(i - 1).sequenceNumber()).compareTo(new BigInteger(r.sequenceNumber())) < 0);
                    }
                }
                total += read.size();
            }
            assertEquals(10_000, total);

            // AT_ and AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP: the right first record, and everything after it.
            Shard first = shards.get(0);
            List<Record> firstRead = readByShard.get(first.shardId());
            Record middle = firstRead.get(firstRead.size() / 2);
            List<Record> fromAt = readAll(k, k.getShardIterator(b -> b.streamName(stream).shardId(first.shardId())
                    .shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER).startingSequenceNumber(middle.sequenceNumber())).shardIterator());
            assertEquals(firstRead.subList(firstRead.size() / 2, firstRead.size()).stream().map(Record::sequenceNumber).toList(),
                    fromAt.stream().map(Record::sequenceNumber).toList());
            List<Record> fromAfter = readAll(k, k.getShardIterator(b -> b.streamName(stream).shardId(first.shardId())
                    .shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).startingSequenceNumber(middle.sequenceNumber())).shardIterator());
            assertEquals(fromAt.size() - 1, fromAfter.size());
            Instant at = middle.approximateArrivalTimestamp();
            List<Record> fromTime = readAll(k, k.getShardIterator(b -> b.streamName(stream).shardId(first.shardId())
                    .shardIteratorType(ShardIteratorType.AT_TIMESTAMP).timestamp(at)).shardIterator());
            assertTrue(!fromTime.isEmpty() && !fromTime.get(0).approximateArrivalTimestamp().isBefore(at));
            int firstAtTime = firstRead.indexOf(fromTime.get(0));
            assertTrue(firstAtTime <= firstRead.size() / 2, "nothing at or after the time is skipped");
            assertTrue(firstAtTime == 0 || firstRead.get(firstAtTime - 1).approximateArrivalTimestamp().isBefore(at),
                    "the first record at or after the time");

            // LATEST: only what comes after the iterator.
            String latest = k.getShardIterator(b -> b.streamName(stream).shardId(first.shardId())
                    .shardIteratorType(ShardIteratorType.LATEST)).shardIterator();
            assertEquals(0, k.getRecords(b -> b.shardIterator(latest)).records().size());
            String keyOnFirst = null;
            for (int i = 0; keyOnFirst == null; i++) {
                if (shardOf(shards, "late-" + i).equals(first.shardId())) {
                    keyOnFirst = "late-" + i;
                }
            }
            String lateKey = keyOnFirst;
            PutRecordResponse late = k.putRecord(b -> b.streamName(stream).partitionKey(lateKey).data(SdkBytes.fromUtf8String("late")));
            List<Record> afterLatest = k.getRecords(b -> b.shardIterator(latest)).records();
            assertEquals(List.of(late.sequenceNumber()), afterLatest.stream().map(Record::sequenceNumber).toList());

            // Errors, as the SDK's own exception classes.
            assertThrows(ResourceInUseException.class, () -> k.createStream(b -> b.streamName(stream).shardCount(1)));
            assertThrows(ResourceNotFoundException.class, () -> k.putRecord(b -> b.streamName("nope-" + stream)
                    .partitionKey("k").data(SdkBytes.fromUtf8String("x"))));
            assertThrows(ValidationException.class, () -> k.putRecord(b -> b.streamName(stream).partitionKey("")
                    .data(SdkBytes.fromUtf8String("x"))));
            assertThrows(InvalidArgumentException.class, () -> k.getShardIterator(b -> b.streamName(stream)
                    .shardId(shards.get(1).shardId()).shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER)
                    .startingSequenceNumber(middle.sequenceNumber())));
            assertThrows(InvalidArgumentException.class, () -> k.getRecords(b -> b.shardIterator(latest.substring(0, latest.length() - 2) + "AA")));
            k.deleteStream(b -> b.streamName(stream));
            k.waiter().waitUntilStreamNotExists(b -> b.streamName(stream));
            assertThrows(ResourceNotFoundException.class, () -> k.getRecords(b -> b.shardIterator(latest)));
        }
    }
}
