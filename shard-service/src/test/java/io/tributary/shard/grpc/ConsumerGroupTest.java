package io.tributary.shard.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.CheckpointRequest;
import io.tributary.protocol.v1.ConsumerGroupsGrpc;
import io.tributary.protocol.v1.DescribeGroupRequest;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.GroupRef;
import io.tributary.protocol.v1.HeartbeatRequest;
import io.tributary.protocol.v1.HeartbeatResponse;
import io.tributary.protocol.v1.LeaveRequest;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.ResetGroupRequest;
import io.tributary.protocol.v1.ShardLease;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.shard.service.MovableClock;
import io.tributary.shard.service.ReshardService;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Consumer groups: leases shared out among members, fenced checkpoints, lineage, reset — over gRPC and REST. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class ConsumerGroupTest {

    @GrpcClient("shard")
    io.grpc.Channel channel;

    @TestHTTPResource("/")
    URL url;

    @Inject
    ReshardService resharding;

    LogClient log;
    ConsumerGroupsGrpc.ConsumerGroupsBlockingStub groups;

    @BeforeEach
    void setUp() {
        log = new LogClient(channel);
        groups = ConsumerGroupsGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void backToNow() {
        MovableClock.reset();
    }

    private static GroupRef group(String stream, String name) {
        return GroupRef.newBuilder().setStream(LogClient.ref(stream)).setGroup(name).build();
    }

    private HeartbeatResponse heartbeat(GroupRef g, String member) {
        return groups.heartbeat(HeartbeatRequest.newBuilder().setGroup(g).setMemberId(member).build());
    }

    private static List<String> shardIds(HeartbeatResponse r) {
        return r.getLeasesList().stream().map(ShardLease::getShardId).toList();
    }

    private void checkpoint(GroupRef g, String member, ShardLease lease, String sequenceNumber) {
        groups.checkpoint(CheckpointRequest.newBuilder().setGroup(g).setMemberId(member).setShardId(lease.getShardId())
                .setEpoch(lease.getEpoch()).setSequenceNumber(sequenceNumber).build());
    }

    private List<String> append(String stream, String shardId, int count) {
        StreamDescription d = log.admin().describeStream(io.tributary.protocol.v1.DescribeStreamRequest.newBuilder()
                .setStream(LogClient.ref(stream)).build());
        List<Record> records = new ArrayList<>();
        for (int i = 0; records.size() < count; i++) {
            String key = "k" + i;
            if (LogClient.shardFor(d, key).getShardId().equals(shardId)) {
                records.add(LogClient.record(key, new byte[]{(byte) i}));
            }
        }
        AppendResponse r = log.appendOne(LogClient.batch(stream, shardId, records));
        assertTrue(r.hasAck(), () -> r.getError().getMessage());
        return r.getAck().getSequenceNumbersList();
    }

    private static void assertCode(String code, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getTrailers().get(GrpcErrors.ERROR_CODE), e.getMessage());
    }

    @Test
    void sharesShardsAmongMembersAndRebalancesAsTheyJoinAndLeave() {
        String stream = "group-share-" + System.nanoTime();
        log.create(stream, 4);
        GroupRef g = group(stream, "app");
        assertEquals(4, heartbeat(g, "a").getLeasesCount(), "a single member holds every shard");
        assertEquals(0, heartbeat(g, "b").getLeasesCount(), "nothing is free until a gives back");
        assertEquals(2, heartbeat(g, "a").getLeasesCount(), "a keeps its share");
        HeartbeatResponse b = heartbeat(g, "b");
        assertEquals(2, b.getLeasesCount());
        Set<String> all = new HashSet<>(shardIds(heartbeat(g, "a")));
        all.addAll(shardIds(b));
        assertEquals(4, all.size(), "every shard held by exactly one member");

        groups.leave(LeaveRequest.newBuilder().setGroup(g).setMemberId("b").build());
        assertEquals(4, heartbeat(g, "a").getLeasesCount(), "b's shards go to a once it left");
        GroupDescription d = groups.describeGroup(DescribeGroupRequest.newBuilder().setGroup(g).build());
        assertEquals(1, d.getMembersCount());
        assertEquals(4, d.getMembers(0).getShardIdsCount());
    }

    @Test
    void takesTheShardsOfAMemberThatStoppedAndFencesItsCheckpoints() {
        String stream = "group-fence-" + System.nanoTime();
        log.create(stream, 2);
        List<String> seqs = append(stream, "shardId-000000000000", 5);
        GroupRef g = group(stream, "app");
        heartbeat(g, "a");
        heartbeat(g, "b");
        HeartbeatResponse a = heartbeat(g, "a");
        HeartbeatResponse b = heartbeat(g, "b");
        assertEquals(1, a.getLeasesCount());
        assertEquals(1, b.getLeasesCount());
        boolean aHolds = a.getLeases(0).getShardId().equals("shardId-000000000000");
        ShardLease held = aHolds ? a.getLeases(0) : b.getLeases(0);
        String holder = aHolds ? "a" : "b";
        String other = aHolds ? "b" : "a";
        checkpoint(g, holder, held, seqs.get(1));

        // The holder stops heart-beating; the other member takes its shard with a new epoch.
        MovableClock.advance(Duration.ofSeconds(11));
        HeartbeatResponse taken = heartbeat(g, other);
        assertEquals(2, taken.getLeasesCount());
        ShardLease moved = taken.getLeasesList().stream().filter(l -> l.getShardId().equals(held.getShardId())).findFirst().orElseThrow();
        assertTrue(moved.getEpoch() > held.getEpoch());
        assertEquals(PositionType.AFTER_SEQUENCE_NUMBER, moved.getStart().getType());
        assertEquals(seqs.get(1), moved.getStart().getSequenceNumber(), "the new holder resumes after the checkpoint");
        assertCode("LEASE_LOST", () -> checkpoint(g, holder, held, seqs.get(4)));

        // Forward only, and only with the current epoch.
        checkpoint(g, other, moved, seqs.get(3));
        assertCode("INVALID_ARGUMENT", () -> checkpoint(g, other, moved, seqs.get(2)));
        assertCode("LEASE_LOST", () -> checkpoint(g, other, moved.toBuilder().setEpoch(moved.getEpoch() - 1).build(), seqs.get(4)));
        assertCode("INVALID_ARGUMENT", () -> checkpoint(g, other, moved, "12345"));
        GroupDescription d = groups.describeGroup(DescribeGroupRequest.newBuilder().setGroup(g).build());
        var progress = d.getShardsList().stream().filter(s -> s.getShardId().equals(held.getShardId())).findFirst().orElseThrow();
        assertEquals(seqs.get(3), progress.getCheckpoint());
        assertEquals(1, progress.getLagRecords(), "one record after the checkpoint");
    }

    @Test
    void handsOutChildShardsOnlyAfterTheirParentsAreDone() throws Throwable {
        String stream = "group-lineage-" + System.nanoTime();
        log.create(stream, 1);
        append(stream, "shardId-000000000000", 3);
        io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(() -> resharding.split(LogClient.TENANT, stream,
                "shardId-000000000000", BigInteger.ONE.shiftLeft(127)));
        GroupRef g = group(stream, "ordered");
        HeartbeatResponse a = heartbeat(g, "a");
        assertEquals(List.of("shardId-000000000000"), shardIds(a), "children wait for their parent");
        assertTrue(a.getLeases(0).getClosed());
        assertEquals(List.of("shardId-000000000000"),
                shardIds(groups.heartbeat(HeartbeatRequest.newBuilder().setGroup(group(stream, "fast")).setMemberId("x")
                        .build())).subList(0, 1));
        HeartbeatResponse fast = groups.heartbeat(HeartbeatRequest.newBuilder().setGroup(group(stream, "fast"))
                .setMemberId("x").setIgnoreLineage(true).build());
        assertEquals(3, fast.getLeasesCount(), "a member that ignores lineage takes children at once");
        ShardLease child = fast.getLeases(1);
        assertCode("INVALID_ARGUMENT", () -> groups.checkpoint(CheckpointRequest.newBuilder().setGroup(group(stream, "fast"))
                .setMemberId("x").setShardId(child.getShardId()).setEpoch(child.getEpoch()).setShardEnd(true).build()));
        groups.checkpoint(CheckpointRequest.newBuilder().setGroup(g).setMemberId("a").setShardId("shardId-000000000000")
                .setEpoch(a.getLeases(0).getEpoch()).setShardEnd(true).build());
        HeartbeatResponse after = heartbeat(g, "a");
        assertEquals(List.of("shardId-000000000001", "shardId-000000000002"), shardIds(after));
        assertEquals(PositionType.TRIM_HORIZON, after.getLeases(0).getStart().getType());
    }

    @Test
    void resetMovesEveryCheckpointAndFencesTheHolders() throws Exception {
        String stream = "group-reset-" + System.nanoTime();
        log.create(stream, 1);
        List<String> seqs = append(stream, "shardId-000000000000", 4);
        GroupRef g = group(stream, "app");
        ShardLease lease = heartbeat(g, "a").getLeases(0);
        checkpoint(g, "a", lease, seqs.get(3));
        assertEquals(PositionType.AFTER_SEQUENCE_NUMBER, heartbeat(g, "a").getLeases(0).getStart().getType());

        groups.resetGroup(ResetGroupRequest.newBuilder().setGroup(g)
                .setPosition(LogClient.position(PositionType.TRIM_HORIZON)).build());
        assertCode("LEASE_LOST", () -> checkpoint(g, "a", lease, seqs.get(3)));
        ShardLease fresh = heartbeat(g, "a").getLeases(0);
        assertEquals(PositionType.TRIM_HORIZON, fresh.getStart().getType());

        // The same through REST, as an operator would.
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> described = http.send(HttpRequest.newBuilder(url.toURI().resolve("/v1/streams/" + stream
                + "/consumer-groups/app")).header("X-Tributary-Tenant", LogClient.TENANT).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, described.statusCode(), described.body());
        assertTrue(described.body().contains("\"lagRecords\":4"), described.body());
        assertTrue(described.body().contains("\"memberId\":\"a\""), described.body());
        HttpResponse<String> reset = http.send(HttpRequest.newBuilder(url.toURI().resolve("/v1/streams/" + stream
                        + "/consumer-groups/app/reset")).header("X-Tributary-Tenant", LogClient.TENANT)
                .POST(HttpRequest.BodyPublishers.ofString("{\"position\":\"LATEST\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, reset.statusCode(), reset.body());
        assertEquals(PositionType.AT_TIMESTAMP, heartbeat(g, "a").getLeases(0).getStart().getType());
        assertEquals(404, get(http, url.toURI().resolve("/v1/streams/" + stream + "/consumer-groups/nope"), LogClient.TENANT));
        assertEquals(404, get(http, url.toURI().resolve("/v1/streams/" + stream + "/consumer-groups/app"), "000000000999"),
                "another tenant does not see the group");
        assertEquals(401, get(http, url.toURI().resolve("/v1/streams/" + stream + "/consumer-groups"), null));
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(url.toURI().resolve("/v1/streams/" + stream
                        + "/consumer-groups/app/reset")).header("X-Tributary-Tenant", LogClient.TENANT)
                .POST(HttpRequest.BodyPublishers.ofString("{\"position\":\"SOMEWHERE\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
    }

    private static int get(HttpClient http, URI uri, String tenant) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        if (tenant != null) {
            b.header("X-Tributary-Tenant", tenant);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).statusCode();
    }

    @Test
    void refusesUnknownGroupsAndBadNames() {
        String stream = "group-bad-" + System.nanoTime();
        log.create(stream, 1);
        assertCode("GROUP_NOT_FOUND", () -> groups.describeGroup(DescribeGroupRequest.newBuilder().setGroup(group(stream, "none")).build()));
        assertCode("INVALID_ARGUMENT", () -> heartbeat(group(stream, "bad name!"), "a"));
        assertCode("STREAM_NOT_FOUND", () -> heartbeat(group("no-such-" + stream, "app"), "a"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> heartbeat(group(stream, "app"), ""));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }
}
