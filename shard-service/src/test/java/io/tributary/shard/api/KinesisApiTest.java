package io.tributary.shard.api;

import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.Record;
import io.tributary.shard.grpc.LogClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.DescribeLimitsResponse;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryResponse;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ListTagsForStreamResponse;
import software.amazon.awssdk.services.kinesis.model.Tag;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamDescription;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Kinesis API of shard-service driven by the real AWS SDK for Java v2, in CBOR and in JSON. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class KinesisApiTest {

    @TestHTTPResource("/")
    URL url;

    @GrpcClient("shard")
    io.grpc.Channel channel;

    LogClient log;

    @BeforeEach
    void setUp() {
        log = new LogClient(channel);
    }

    private KinesisClients.Client client(boolean cbor) throws Exception {
        return KinesisClients.create(url.toURI(), LogClient.TENANT, cbor);
    }

    /** Appends records through the internal API (PutRecord is ingest-service's) and returns them in order. */
    private List<Record> append(String stream, String shardId, int count, String prefix) {
        List<Record> records = new ArrayList<>();
        io.tributary.protocol.v1.StreamDescription d = log.admin().describeStream(
                io.tributary.protocol.v1.DescribeStreamRequest.newBuilder().setStream(LogClient.ref(stream)).build());
        for (int i = 0; records.size() < count; i++) {
            String key = prefix + "-" + i;
            if (LogClient.shardFor(d, key).getShardId().equals(shardId)) {
                byte[] data = new byte[1 + (i * 37) % 700];
                for (int b = 0; b < data.length; b++) {
                    data[b] = (byte) (i * 31 + b);
                }
                records.add(LogClient.record(key, data));
            }
        }
        AppendResponse r = log.appendOne(LogClient.batch(stream, shardId, records));
        assertTrue(r.hasAck(), () -> r.getError().getMessage());
        return records;
    }

    @ParameterizedTest(name = "cbor={0}")
    @ValueSource(booleans = {true, false})
    void managesStreamsWithTheSdk(boolean cbor) throws Exception {
        try (KinesisClients.Client c = client(cbor)) {
            KinesisClient k = c.kinesis();
            String name = "sdk-admin-" + cbor + "-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(3));
            k.waiter().waitUntilStreamExists(b -> b.streamName(name));
            assertEquals(cbor ? "application/x-amz-cbor-1.1" : "application/x-amz-json-1.1", c.contentTypes().get(0));

            StreamDescription d = k.describeStream(b -> b.streamName(name)).streamDescription();
            assertEquals(StreamStatus.ACTIVE, d.streamStatus());
            assertEquals(3, d.shards().size());
            assertEquals(24, d.retentionPeriodHours());
            assertTrue(d.streamARN().endsWith(":" + LogClient.TENANT + ":stream/" + name), d.streamARN());
            assertTrue(Math.abs(d.streamCreationTimestamp().toEpochMilli() - System.currentTimeMillis()) < 60_000,
                    "creation timestamp survives the wire format: " + d.streamCreationTimestamp());
            BigInteger next = BigInteger.ZERO;
            for (Shard s : d.shards()) {
                assertEquals(next, new BigInteger(s.hashKeyRange().startingHashKey()), "contiguous hash key ranges");
                next = new BigInteger(s.hashKeyRange().endingHashKey()).add(BigInteger.ONE);
                assertNotNull(s.sequenceNumberRange().startingSequenceNumber());
            }
            assertEquals(BigInteger.ONE.shiftLeft(128), next, "the ranges cover the whole key space");

            StreamDescription page = k.describeStream(b -> b.streamARN(d.streamARN()).limit(2)).streamDescription();
            assertEquals(2, page.shards().size());
            assertTrue(page.hasMoreShards());
            StreamDescription rest = k.describeStream(b -> b.streamName(name).exclusiveStartShardId(page.shards().get(1).shardId()))
                    .streamDescription();
            assertEquals(List.of(d.shards().get(2).shardId()), rest.shards().stream().map(Shard::shardId).toList());
            assertFalse(rest.hasMoreShards());

            DescribeStreamSummaryResponse summary = k.describeStreamSummary(b -> b.streamName(name));
            assertEquals(3, summary.streamDescriptionSummary().openShardCount());

            ListShardsResponse first = k.listShards(b -> b.streamName(name).maxResults(2));
            assertEquals(2, first.shards().size());
            ListShardsResponse second = k.listShards(b -> b.nextToken(first.nextToken()));
            assertEquals(1, second.shards().size());
            assertEquals(d.shards().get(2).shardId(), second.shards().get(0).shardId());
            assertEquals(null, second.nextToken());
            assertThrows(InvalidArgumentException.class, () -> k.listShards(b -> b.streamName(name).nextToken(first.nextToken())));

            assertTrue(k.listStreamsPaginator(b -> b.limit(1)).streamNames().stream().anyMatch(name::equals),
                    "paging through ListStreams finds the stream");

            assertThrows(ResourceInUseException.class, () -> k.createStream(b -> b.streamName(name).shardCount(1)));
            k.deleteStream(b -> b.streamName(name));
            assertThrows(ResourceNotFoundException.class, () -> k.describeStream(b -> b.streamName(name)));
        }
    }

    @ParameterizedTest(name = "cbor={0}")
    @ValueSource(booleans = {true, false})
    void readsRecordsThroughEveryIteratorType(boolean cbor) throws Exception {
        try (KinesisClients.Client c = client(cbor)) {
            KinesisClient k = c.kinesis();
            String name = "sdk-read-" + cbor + "-" + System.nanoTime();
            log.create(name, 2);
            String shardId = "shardId-000000000001";
            long before = System.currentTimeMillis();
            List<Record> sent = append(name, shardId, 120, "a");

            // TRIM_HORIZON, in pages of 50: everything, once, in order, byte for byte.
            String iterator = k.getShardIterator(b -> b.streamName(name).shardId(shardId)
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            List<software.amazon.awssdk.services.kinesis.model.Record> read = new ArrayList<>();
            for (int i = 0; i < 10 && read.size() < sent.size(); i++) {
                String it = iterator;
                GetRecordsResponse r = k.getRecords(b -> b.shardIterator(it).limit(50));
                assertTrue(r.records().size() <= 50);
                read.addAll(r.records());
                iterator = r.nextShardIterator();
            }
            assertEquals(sent.size(), read.size());
            Set<String> sequenceNumbers = new HashSet<>();
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(sent.get(i).getPartitionKey(), read.get(i).partitionKey());
                assertArrayEquals(sent.get(i).getData().toByteArray(), read.get(i).data().asByteArray());
                assertTrue(sequenceNumbers.add(read.get(i).sequenceNumber()));
                Instant arrival = read.get(i).approximateArrivalTimestamp();
                assertTrue(arrival.toEpochMilli() >= before - 1000 && arrival.toEpochMilli() <= System.currentTimeMillis() + 1000,
                        "arrival timestamp survives the wire format: " + arrival);
            }
            String itAtTip = iterator;
            GetRecordsResponse atTip = k.getRecords(b -> b.shardIterator(itAtTip));
            assertEquals(0, atTip.records().size());
            assertEquals(0L, atTip.millisBehindLatest());

            // AT_ and AFTER_SEQUENCE_NUMBER.
            String tenth = read.get(10).sequenceNumber();
            String at = k.getShardIterator(b -> b.streamName(name).shardId(shardId)
                    .shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER).startingSequenceNumber(tenth)).shardIterator();
            assertEquals(tenth, k.getRecords(b -> b.shardIterator(at).limit(1)).records().get(0).sequenceNumber());
            String after = k.getShardIterator(b -> b.streamName(name).shardId(shardId)
                    .shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).startingSequenceNumber(tenth)).shardIterator();
            assertEquals(read.get(11).sequenceNumber(), k.getRecords(b -> b.shardIterator(after).limit(1)).records().get(0).sequenceNumber());

            // LATEST sees only what is appended after the iterator was issued.
            String latest = k.getShardIterator(b -> b.streamName(name).shardId(shardId)
                    .shardIteratorType(ShardIteratorType.LATEST)).shardIterator();
            List<Record> more = append(name, shardId, 5, "b");
            List<software.amazon.awssdk.services.kinesis.model.Record> fromLatest = k.getRecords(b -> b.shardIterator(latest)).records();
            assertEquals(more.stream().map(Record::getPartitionKey).toList(),
                    fromLatest.stream().map(software.amazon.awssdk.services.kinesis.model.Record::partitionKey).toList());

            // AT_TIMESTAMP: from the first record that arrived at or after the time.
            Instant firstOfMore = fromLatest.get(0).approximateArrivalTimestamp();
            String atTime = k.getShardIterator(b -> b.streamName(name).shardId(shardId)
                    .shardIteratorType(ShardIteratorType.AT_TIMESTAMP).timestamp(firstOfMore)).shardIterator();
            assertEquals(fromLatest.get(0).sequenceNumber(), k.getRecords(b -> b.shardIterator(atTime).limit(1)).records().get(0).sequenceNumber());
        }
    }

    @ParameterizedTest(name = "cbor={0}")
    @ValueSource(booleans = {true, false})
    void managesRetentionTagsAndLimits(boolean cbor) throws Exception {
        try (KinesisClients.Client c = client(cbor)) {
            KinesisClient k = c.kinesis();
            String name = "sdk-settings-" + cbor + "-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(2).tags(Map.of("team", "payments")));
            String arn = k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamARN();

            k.increaseStreamRetentionPeriod(b -> b.streamName(name).retentionPeriodHours(72));
            assertEquals(72, k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().retentionPeriodHours());
            assertThrows(InvalidArgumentException.class, () -> k.increaseStreamRetentionPeriod(b -> b.streamName(name).retentionPeriodHours(48)));
            assertThrows(InvalidArgumentException.class, () -> k.decreaseStreamRetentionPeriod(b -> b.streamName(name).retentionPeriodHours(12)));
            assertThrows(InvalidArgumentException.class, () -> k.increaseStreamRetentionPeriod(b -> b.streamName(name).retentionPeriodHours(8761)));
            k.decreaseStreamRetentionPeriod(b -> b.streamARN(arn).retentionPeriodHours(48));
            assertEquals(48, k.describeStream(b -> b.streamName(name)).streamDescription().retentionPeriodHours());

            k.addTagsToStream(b -> b.streamName(name).tags(Map.of("env", "test", "team", "billing")));
            k.tagResource(b -> b.resourceARN(arn).tags(Map.of("owner", "ops")));
            ListTagsForStreamResponse tags = k.listTagsForStream(b -> b.streamName(name));
            assertEquals(Map.of("env", "test", "owner", "ops", "team", "billing"),
                    tags.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value)));
            assertFalse(tags.hasMoreTags());
            ListTagsForStreamResponse page = k.listTagsForStream(b -> b.streamName(name).limit(2));
            assertEquals(List.of("env", "owner"), page.tags().stream().map(Tag::key).toList());
            assertTrue(page.hasMoreTags());
            assertEquals(List.of("team"), k.listTagsForStream(b -> b.streamName(name).exclusiveStartTagKey("owner"))
                    .tags().stream().map(Tag::key).toList());
            k.removeTagsFromStream(b -> b.streamName(name).tagKeys("env"));
            k.untagResource(b -> b.resourceARN(arn).tagKeys("owner"));
            assertEquals(Map.of("team", "billing"), k.listTagsForResource(b -> b.resourceARN(arn)).tags().stream()
                    .collect(Collectors.toMap(software.amazon.awssdk.services.kinesis.model.Tag::key,
                            software.amazon.awssdk.services.kinesis.model.Tag::value)));
            assertThrows(InvalidArgumentException.class, () -> k.addTagsToStream(b -> b.streamName(name).tags(Map.of("aws:x", "y"))));
            Map<String, String> many = new HashMap<>();
            for (int i = 0; i < 50; i++) {
                many.put("k" + i, "v");
            }
            assertThrows(LimitExceededException.class, () -> k.addTagsToStream(b -> b.streamName(name).tags(many)),
                    "51 tags with the one already there");

            DescribeLimitsResponse limits = k.describeLimits();
            assertTrue(limits.openShardCount() >= 2, "counts this stream's shards: " + limits);
            assertTrue(limits.shardLimit() >= limits.openShardCount());
        }
    }

    @ParameterizedTest(name = "cbor={0}")
    @ValueSource(booleans = {true, false})
    void answersBadRequestsWithTheSdksExceptionClasses(boolean cbor) throws Exception {
        try (KinesisClients.Client c = client(cbor)) {
            KinesisClient k = c.kinesis();
            String name = "sdk-errors-" + cbor + "-" + System.nanoTime();
            log.create(name, 2);
            List<Record> sent = append(name, "shardId-000000000000", 3, "e");
            String iterator = k.getShardIterator(b -> b.streamName(name).shardId("shardId-000000000000")
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            String seqOfShard0 = k.getRecords(b -> b.shardIterator(iterator)).records().get(0).sequenceNumber();

            assertThrows(ResourceNotFoundException.class, () -> k.describeStream(b -> b.streamName("no-such-" + name)));
            assertThrows(ResourceNotFoundException.class, () -> k.getShardIterator(b -> b.streamName(name)
                    .shardId("shardId-000000000007").shardIteratorType(ShardIteratorType.LATEST)));
            assertThrows(InvalidArgumentException.class, () -> k.getShardIterator(b -> b.streamName(name)
                    .shardId("shardId-000000000001").shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER)
                    .startingSequenceNumber(seqOfShard0)), "a sequence number of another shard");
            assertThrows(InvalidArgumentException.class, () -> k.getShardIterator(b -> b.streamName(name)
                    .shardId("shardId-000000000000").shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER)));
            assertThrows(ValidationException.class, () -> k.getRecords(b -> b.shardIterator(iterator).limit(0)));
            assertThrows(ValidationException.class, () -> k.createStream(b -> b.streamName("bad name!").shardCount(1)));
            assertThrows(InvalidArgumentException.class, () -> k.describeStream(b -> b.streamName(null)));

            char[] chars = iterator.toCharArray();
            chars[20] = chars[20] == 'A' ? 'B' : 'A';
            String tampered = new String(chars);
            assertThrows(InvalidArgumentException.class, () -> k.getRecords(b -> b.shardIterator(tampered)));

            // A tenant sees only its own streams, whatever name or ARN it sends.
            try (KinesisClients.Client other = KinesisClients.create(url.toURI(), "000000000777", cbor)) {
                assertThrows(ResourceNotFoundException.class, () -> other.kinesis().describeStream(b -> b.streamName(name)));
                String arn = k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamARN();
                assertThrows(ResourceNotFoundException.class, () -> other.kinesis().describeStream(b -> b.streamARN(arn)));
                assertThrows(InvalidArgumentException.class, () -> other.kinesis().getRecords(b -> b.shardIterator(iterator)));
            }
            KinesisException unsupportedOp = assertThrows(KinesisException.class,
                    () -> k.enableEnhancedMonitoring(b -> b.streamName(name).shardLevelMetricsWithStrings("ALL")));
            assertEquals("UnsupportedOperationException", unsupportedOp.awsErrorDetails().errorCode());
            KinesisException unsupported = assertThrows(KinesisException.class,
                    () -> k.disableEnhancedMonitoring(b -> b.streamName(name).shardLevelMetricsWithStrings("ALL")));
            assertEquals("UnsupportedOperationException", unsupported.awsErrorDetails().errorCode());
            assertEquals(3, sent.size());
        }
    }
}
