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
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler;

import java.math.BigInteger;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SubscribeToShard with the AWS SDK's KinesisAsyncClient (HTTP/2, event stream framing). */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class SubscribeToShardTest {

    @TestHTTPResource("/")
    URL url;

    @GrpcClient("shard")
    io.grpc.Channel channel;

    LogClient log;

    @BeforeEach
    void setUp() {
        log = new LogClient(channel);
    }

    private KinesisAsyncClient async() throws Exception {
        return KinesisAsyncClient.builder().endpointOverride(url.toURI()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP2))
                .overrideConfiguration(o -> o.putHeader(KinesisResource.TENANT_HEADER, LogClient.TENANT))
                .build();
    }

    private List<String> append(String stream, String prefix, int count) {
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(LogClient.record(prefix + i, (prefix + i).getBytes(StandardCharsets.UTF_8)));
        }
        AppendResponse r = log.appendOne(LogClient.batch(stream, "shardId-000000000000", records));
        assertTrue(r.hasAck(), () -> r.getError().getMessage());
        return r.getAck().getSequenceNumbersList();
    }

    @Test
    void pushesRecordsAsTheyCommitAndEndsWithTheChildShards() throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true);
             KinesisAsyncClient async = async()) {
            KinesisClient k = c.kinesis();
            String name = "subscribe-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(1));
            String streamArn = k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamARN();
            String consumerArn = k.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("pusher")).consumer().consumerARN();
            append(name, "before-", 3);

            List<String> data = new CopyOnWriteArrayList<>();
            List<SubscribeToShardEvent> events = new CopyOnWriteArrayList<>();
            SubscribeToShardResponseHandler handler = SubscribeToShardResponseHandler.builder()
                    .subscriber(SubscribeToShardResponseHandler.Visitor.builder().onSubscribeToShardEvent(e -> {
                        events.add(e);
                        e.records().forEach(r -> data.add(r.data().asUtf8String()));
                    }).build())
                    .build();
            CompletableFuture<Void> session = async.subscribeToShard(b -> b.consumerARN(consumerArn)
                    .shardId("shardId-000000000000").startingPosition(p -> p.type(ShardIteratorType.TRIM_HORIZON)), handler);
            await().atMost(Duration.ofSeconds(30)).until(() -> data.size() >= 3);
            List<String> after = append(name, "live-", 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> data.size() >= 5);
            assertEquals(List.of("before-0", "before-1", "before-2", "live-0", "live-1"), data);
            assertEquals(after.get(1), events.get(events.size() - 1).continuationSequenceNumber());

            // The shard is split: the subscriber learns its children and the session ends.
            k.splitShard(b -> b.streamName(name).shardToSplit("shardId-000000000000")
                    .newStartingHashKey(BigInteger.ONE.shiftLeft(127).toString()));
            session.get(30, TimeUnit.SECONDS);
            SubscribeToShardEvent last = events.get(events.size() - 1);
            assertEquals(List.of("shardId-000000000001", "shardId-000000000002"),
                    last.childShards().stream().map(ChildShard::shardId).toList());
        }
    }

    @Test
    void refusesUnknownConsumersWithKinesisErrors() throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true);
             KinesisAsyncClient async = async()) {
            String name = "subscribe-bad-" + System.nanoTime();
            c.kinesis().createStream(b -> b.streamName(name).shardCount(1));
            String arn = c.kinesis().describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamARN()
                    + "/consumer/nobody:12345";
            SubscribeToShardResponseHandler handler = SubscribeToShardResponseHandler.builder()
                    .subscriber(e -> { }).build();
            CompletionException e = assertThrows(CompletionException.class, () -> async.subscribeToShard(b -> b.consumerARN(arn)
                    .shardId("shardId-000000000000").startingPosition(p -> p.type(ShardIteratorType.LATEST)), handler).join());
            assertInstanceOf(ResourceNotFoundException.class, e.getCause(), () -> String.valueOf(e.getCause()));
        }
    }
}
