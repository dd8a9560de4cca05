package io.tributary.shard.grpc;

import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamAdminGrpc;
import io.tributary.protocol.v1.StreamLogGrpc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.tributary.shard.grpc.LogClient.batch;
import static io.tributary.shard.grpc.LogClient.position;
import static io.tributary.shard.grpc.LogClient.record;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class SubscribeBackpressureTest {

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

    private List<Record> append(String stream, String shardId, int batches, int perBatch, int size, String tag) {
        List<Record> all = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<Record> records = new ArrayList<>();
            for (int i = 0; i < perBatch; i++) {
                byte[] data = new byte[size];
                byte[] label = (tag + "-" + b + "-" + i).getBytes();
                System.arraycopy(label, 0, data, 0, Math.min(label.length, size));
                records.add(record("key-" + i, data));
            }
            var r = client.appendOne(batch(stream, shardId, records));
            assertEquals(perBatch, r.getAck().getSequenceNumbersCount(), () -> r.getError().getMessage());
            all.addAll(records);
        }
        return all;
    }

    private static void assertSameRecords(List<Record> expected, List<StoredRecord> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).getData(), actual.get(i).getData(), "record " + i);
            assertEquals(expected.get(i).getPartitionKey(), actual.get(i).getPartitionKey());
        }
    }

    @Test
    void sendsNoMoreThanGrantedAndResumesWhereItStopped() {
        String stream = "credits-" + System.nanoTime();
        String shardId = client.create(stream, 1).getShards(0).getShardId();
        LogClient.Subscriber subscriber = client.subscribe(stream, shardId, position(PositionType.TRIM_HORIZON), 10);
        List<Record> sent = append(stream, shardId, 5, 100, 64, "c");

        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.received.size() == 10);
        // Stopped requesting: nothing more arrives, however much is committed.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> subscriber.received.size(), equalTo(10));

        subscriber.grant(490);
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.received.size() == 500);
        assertSameRecords(sent, subscriber.received);
        assertNull(subscriber.error.get());
        subscriber.close();
    }

    @Test
    void pushesRecordsCommittedAfterSubscribingFromLatest() {
        String stream = "live-" + System.nanoTime();
        String shardId = client.create(stream, 1).getShards(0).getShardId();
        append(stream, shardId, 1, 20, 10, "old");
        LogClient.Subscriber subscriber = client.subscribe(stream, shardId, position(PositionType.LATEST), 1000);
        // LATEST resolves when the subscription opens; wait until it is open by observing nothing old arrives.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> subscriber.received.isEmpty());
        List<Record> live = append(stream, shardId, 3, 50, 100, "live");
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.received.size() == 150);
        assertSameRecords(live, subscriber.received);
        subscriber.close();
    }

    @Test
    void catchesUpFromStorageBehindTheInMemoryTailThenFollowsLive() {
        String stream = "catchup-" + System.nanoTime();
        String shardId = client.create(stream, 1).getShards(0).getShardId();
        // 2 MB of history: far more than the 64 KiB tail configured for tests.
        List<Record> history = append(stream, shardId, 20, 100, 1024, "h");
        LogClient.Subscriber subscriber = client.subscribe(stream, shardId, position(PositionType.TRIM_HORIZON), 100_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> subscriber.received.size() == 2000);
        List<Record> live = append(stream, shardId, 2, 10, 10, "l");
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.received.size() == 2020);
        List<Record> all = new ArrayList<>(history);
        all.addAll(live);
        assertSameRecords(all, subscriber.received);
        subscriber.close();
    }

    @Test
    void reportsUnknownShardAsAnError() {
        String stream = "suberr-" + System.nanoTime();
        client.create(stream, 1);
        LogClient.Subscriber subscriber = client.subscribe(stream, "shardId-000000000007", position(PositionType.LATEST), 10);
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.error.get() != null);
        assertEquals(io.tributary.protocol.v1.ErrorCode.SHARD_NOT_FOUND,
                ((io.tributary.protocol.v1.Error) subscriber.error.get()).getCode());
    }
}
