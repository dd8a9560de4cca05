package io.tributary.shard.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.DeleteStreamRequest;
import io.tributary.protocol.v1.DescribeStreamRequest;
import io.tributary.protocol.v1.ListShardsRequest;
import io.tributary.protocol.v1.ListStreamsRequest;
import io.tributary.protocol.v1.ListStreamsResponse;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StreamAdminGrpc;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamStatus;
import io.tributary.shard.HashKeys;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class StreamAdminTest {

    @GrpcClient("shard")
    io.grpc.Channel channel;

    LogClient client;
    StreamAdminGrpc.StreamAdminBlockingStub admin;

    @org.junit.jupiter.api.BeforeEach
    void setUp() {
        client = new LogClient(channel);
        admin = client.admin();
    }

    private static StreamDescription withoutOwners(StreamDescription d) {
        StreamDescription.Builder b = d.toBuilder();
        b.getShardsBuilderList().forEach(Shard.Builder::clearOwnerEndpoint);
        return b.build();
    }

    @Test
    void createsStreamWhoseShardsCoverTheHashKeySpaceEvenly() {
        String name = "admin-" + System.nanoTime();
        StreamDescription d = client.create(name, 3);
        assertEquals(StreamStatus.ACTIVE, d.getStatus());
        assertEquals(24, d.getRetentionPeriodHours());
        assertEquals(1024 * 1024, d.getMaxRecordSizeBytes());
        assertEquals("arn:aws:kinesis:us-east-1:" + LogClient.TENANT + ":stream/" + name, d.getStreamArn());
        assertEquals(3, d.getOpenShardCount());
        List<Shard> shards = d.getShardsList();
        assertEquals(List.of("shardId-000000000000", "shardId-000000000001", "shardId-000000000002"),
                shards.stream().map(Shard::getShardId).toList());
        assertEquals("0", shards.get(0).getStartingHashKey());
        assertEquals(HashKeys.MAX.toString(), shards.get(2).getEndingHashKey());
        for (int i = 1; i < shards.size(); i++) {
            assertEquals(new BigInteger(shards.get(i - 1).getEndingHashKey()).add(BigInteger.ONE),
                    new BigInteger(shards.get(i).getStartingHashKey()));
        }
        StreamDescription described = admin.describeStream(DescribeStreamRequest.newBuilder()
                .setStream(LogClient.ref(name)).build());
        // Writers learn where each open shard is written: this (the only live) instance.
        for (Shard s : described.getShardsList()) {
            assertEquals("localhost:19082", s.getOwnerEndpoint(), s.getShardId());
        }
        assertEquals(d, withoutOwners(described));
        List<Shard> listed = admin.listShards(ListShardsRequest.newBuilder().setStream(LogClient.ref(name)).build())
                .getShardsList();
        assertEquals(shards, withoutOwners(d.toBuilder().clearShards().addAllShards(listed).build()).getShardsList());
    }

    @Test
    void listsStreamsOfATenantPageByPage() {
        String prefix = "list-" + System.nanoTime() + "-";
        String tenant = String.format("%012d", System.nanoTime() % 1_000_000_000_000L);
        for (int i = 0; i < 5; i++) {
            admin.createStream(io.tributary.protocol.v1.CreateStreamRequest.newBuilder()
                    .setStream(io.tributary.protocol.v1.StreamRef.newBuilder().setTenantId(tenant).setStreamName(prefix + i))
                    .setShardCount(1).build());
        }
        ListStreamsResponse first = admin.listStreams(ListStreamsRequest.newBuilder().setTenantId(tenant).setLimit(3).build());
        assertEquals(3, first.getStreamsCount());
        assertTrue(first.getHasMoreStreams());
        ListStreamsResponse second = admin.listStreams(ListStreamsRequest.newBuilder().setTenantId(tenant).setLimit(3)
                .setExclusiveStartStreamName(first.getStreams(2).getStream().getStreamName()).build());
        assertEquals(2, second.getStreamsCount());
        assertFalse(second.getHasMoreStreams());
        assertEquals(prefix + "4", second.getStreams(1).getStream().getStreamName());
        ListStreamsResponse otherTenant = admin.listStreams(ListStreamsRequest.newBuilder().setTenantId("999999999999").build());
        assertTrue(otherTenant.getStreamsList().stream().noneMatch(s -> s.getStream().getStreamName().startsWith(prefix)));
    }

    @Test
    void deletedStreamStopsServingAtOnce() {
        String name = "delete-" + System.nanoTime();
        StreamDescription d = client.create(name, 1);
        client.appendOne(LogClient.batch(name, d.getShards(0).getShardId(), List.of(LogClient.record("k", new byte[10]))));
        admin.deleteStream(DeleteStreamRequest.newBuilder().setStream(LogClient.ref(name)).build());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.read(name, d.getShards(0).getShardId(), LogClient.position(PositionType.TRIM_HORIZON), 10));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> admin.describeStream(
                DescribeStreamRequest.newBuilder().setStream(LogClient.ref(name)).build()));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode(), "a deleted stream is gone from the API at once");
        StreamDescription reborn = client.create(name, 2);
        assertEquals(2, reborn.getShardsCount(), "its name is free at once, while its data is purged");
        assertEquals(0, client.readAll(name, reborn.getShards(0).getShardId(), LogClient.position(PositionType.TRIM_HORIZON)).size(),
                "the new stream does not see the deleted stream's records");
        StatusRuntimeException again = assertThrows(StatusRuntimeException.class,
                () -> admin.deleteStream(DeleteStreamRequest.newBuilder().setStream(LogClient.ref("never-" + System.nanoTime())).build()));
        assertEquals(Status.Code.NOT_FOUND, again.getStatus().getCode());
    }
}
