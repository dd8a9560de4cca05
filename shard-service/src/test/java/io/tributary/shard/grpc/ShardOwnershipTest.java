package io.tributary.shard.grpc;

import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.DescribeStreamRequest;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.shard.service.ShardOwnership;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.tributary.shard.grpc.LogClient.batch;
import static io.tributary.shard.grpc.LogClient.position;
import static io.tributary.shard.grpc.LogClient.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Write leases between instances, with a second instance played through the database: this instance
 * takes a shard on its first append; once another live instance holds the lease (a takeover raises the
 * epoch) this one's appends are fenced and store nothing, and writers are told where the shard is written
 * now; once that instance is dead, this one takes the shard back and continues after the last committed
 * position, giving no sequence number twice.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class ShardOwnershipTest {

    @GrpcClient("shard")
    io.grpc.Channel channel;

    @Inject
    Pool pool;

    @Inject
    ShardOwnership ownership;

    @Inject
    io.tributary.shard.service.StreamSettingsService settings;

    @Inject
    io.tributary.shard.service.ReshardService resharding;

    LogClient client;

    @BeforeEach
    void setUp() {
        client = new LogClient(channel);
    }

    private Row lease(String stream) {
        return pool.preparedQuery("""
                        SELECT l.shard_key, l.owner_id, l.epoch FROM shard_leases l JOIN shards s ON s.shard_key = l.shard_key
                        JOIN streams st ON st.id = s.stream_id WHERE st.name = $1""")
                .execute(Tuple.of(stream)).await().atMost(Duration.ofSeconds(10)).iterator().next();
    }

    private long storedBatches(long shardKey) {
        return pool.preparedQuery("SELECT count(*) FROM record_batches WHERE shard_key = $1").execute(Tuple.of(shardKey))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    private void sql(String statement, Object... args) {
        pool.preparedQuery(statement).execute(Tuple.from(args)).await().atMost(Duration.ofSeconds(10));
    }

    private AppendResponse append(String stream, String shardId, int n, String prefix) {
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(record("key-" + i, (prefix + i).getBytes(StandardCharsets.UTF_8)));
        }
        return client.appendOne(batch(stream, shardId, records));
    }

    /** Appends one record with a partition key that hashes into the shard. */
    private AppendResponse appendOne(StreamDescription description, String stream, String shardId, String data) {
        for (int n = 0; ; n++) {
            String key = "k-" + n;
            if (LogClient.shardFor(description, key).getShardId().equals(shardId)) {
                return client.appendOne(batch(stream, shardId, List.of(record(key, data.getBytes(StandardCharsets.UTF_8)))));
            }
        }
    }

    private String ownerEndpoint(String stream) {
        StreamDescription d = client.admin().describeStream(DescribeStreamRequest.newBuilder()
                .setStream(LogClient.ref(stream)).build());
        return d.getShards(0).getOwnerEndpoint();
    }

    @Test
    void aStaleOwnerIsFencedAndATakeoverContinuesAfterTheLastCommittedPosition() {
        String stream = "ownership-" + System.nanoTime();
        StreamDescription description = client.create(stream, 1);
        Shard shard = description.getShards(0);

        AppendResponse first = append(stream, shard.getShardId(), 5, "a");
        assertTrue(first.hasAck(), () -> "refused: " + first.getError());
        Row held = lease(stream);
        long shardKey = held.getLong("shard_key");
        long epoch = held.getLong("epoch");
        assertEquals(ownership.instanceId(), held.getString("owner_id"), "the first append took the shard");
        assertEquals(ownership.endpoint(), ownerEndpoint(stream));

        // Another live instance takes the shard over (as it would once this one's lease had expired).
        String other = "other-" + System.nanoTime();
        sql("INSERT INTO shard_service_instances VALUES ($1, 'other-host:9082', now(), now() + interval '1 minute')", other);
        sql("UPDATE shard_leases SET owner_id = $1, epoch = epoch + 1 WHERE shard_key = $2", other, shardKey);
        // The new owner appends a batch (a copy of the last one) through the same fence, under its epoch.
        sql("""
                INSERT INTO record_batches (shard_key, first_position, last_position, first_arrival, last_arrival,
                                            record_count, writer_epoch, traceparent, payload, retention_tier, data_key_id)
                SELECT shard_key, last_position + 1, last_position + record_count, now(), now(), record_count, $2, NULL,
                       payload, retention_tier, data_key_id
                FROM record_batches WHERE shard_key = $1 AND shard_lease_holds($1, $2)
                ORDER BY last_position DESC LIMIT 1""", shardKey, epoch + 1);
        long before = storedBatches(shardKey);
        assertEquals(2, before);

        // This instance still believes it owns the shard: the fence refuses its append, nothing is stored.
        AppendResponse fenced = append(stream, shard.getShardId(), 3, "fenced");
        assertEquals(ErrorCode.NOT_OWNER, fenced.getError().getCode(), () -> "expected a refusal, got " + fenced);
        assertEquals(-1, ownership.epoch(shardKey), "the refusal dropped the lease before it was answered");
        assertEquals(before, storedBatches(shardKey));
        // Writers are sent to the new owner, and this instance does not take a live owner's shard.
        assertEquals("other-host:9082", ownerEndpoint(stream));
        AppendResponse refused = append(stream, shard.getShardId(), 3, "refused");
        assertEquals(ErrorCode.NOT_OWNER, refused.getError().getCode());
        assertEquals(before, storedBatches(shardKey));
        assertEquals(other, lease(stream).getString("owner_id"));

        // The other instance dies: the next append takes the shard back with a higher epoch.
        sql("UPDATE shard_service_instances SET expires_at = now() - interval '1 second' WHERE instance_id = $1", other);
        AppendResponse after = append(stream, shard.getShardId(), 4, "b");
        assertTrue(after.hasAck(), () -> "refused: " + after.getError());
        Row retaken = lease(stream);
        assertEquals(ownership.instanceId(), retaken.getString("owner_id"));
        assertTrue(retaken.getLong("epoch") > epoch + 1, "a takeover raises the epoch");

        // Every acknowledged record once, in order; the refused ones nowhere; no sequence number twice.
        List<StoredRecord> read = client.readAll(stream, shard.getShardId(), position(PositionType.TRIM_HORIZON));
        List<String> data = read.stream().map(r -> r.getData().toStringUtf8()).toList();
        // This instance continued right after the other owner's batch.
        assertEquals(List.of("a0", "a1", "a2", "a3", "a4", "a0", "a1", "a2", "a3", "a4", "b0", "b1", "b2", "b3"), data);
        Set<String> seqs = new HashSet<>();
        read.forEach(r -> assertTrue(seqs.add(r.getSequenceNumber())));
        List<String> readSeqs = read.stream().map(StoredRecord::getSequenceNumber).toList();
        assertEquals(first.getAck().getSequenceNumbersList(), readSeqs.subList(0, 5));
        assertEquals(after.getAck().getSequenceNumbersList(), readSeqs.subList(10, 14));
    }

    @Test
    void aRenewalThatFoundTheShardOrphanedBeforeAnAppendTookItLeavesTheAppendsLeaseAlone() {
        String stream = "ownership-race-" + System.nanoTime();
        Shard shard = client.create(stream, 1).getShards(0);
        assertTrue(append(stream, shard.getShardId(), 1, "a").hasAck());
        long shardKey = lease(stream).getLong("shard_key");

        // Another instance takes the shard, then dies: the next append here takes it back.
        String other = "dead-" + System.nanoTime();
        sql("INSERT INTO shard_service_instances VALUES ($1, 'dead-host:9082', now(), now() + interval '1 minute')", other);
        sql("UPDATE shard_leases SET owner_id = $1, epoch = epoch + 1 WHERE shard_key = $2", other, shardKey);
        assertEquals(ErrorCode.NOT_OWNER, append(stream, shard.getShardId(), 1, "fenced").getError().getCode());
        sql("UPDATE shard_service_instances SET expires_at = now() - interval '1 second' WHERE instance_id = $1", other);
        AppendResponse retaken = append(stream, shard.getShardId(), 1, "b");
        assertTrue(retaken.hasAck(), () -> "refused: " + retaken.getError());
        long epoch = lease(stream).getLong("epoch");
        assertEquals(epoch, ownership.epoch(shardKey));

        // A renewal that listed the shard as orphaned before that append took it must not take it again: a
        // higher epoch would make the fence refuse this instance's own appends in flight.
        assertEquals(-1L, ownership.takeOver(shardKey).await().atMost(Duration.ofSeconds(10)));
        assertEquals(epoch, lease(stream).getLong("epoch"));
        assertEquals(epoch, ownership.epoch(shardKey));
        AppendResponse after = append(stream, shard.getShardId(), 1, "c");
        assertTrue(after.hasAck(), () -> "refused: " + after.getError());
        List<String> data = client.readAll(stream, shard.getShardId(), position(PositionType.TRIM_HORIZON)).stream()
                .map(r -> r.getData().toStringUtf8()).toList();
        assertEquals(List.of("a0", "b0", "c0"), data);
    }

    @Test
    void aChangeWritersMustSeeTakesTheLeaseFromWhoeverWritesTheShard() throws Throwable {
        String stream = "ownership-change-" + System.nanoTime();
        Shard shard = client.create(stream, 1).getShards(0);
        assertTrue(append(stream, shard.getShardId(), 2, "a").hasAck());
        Row before = lease(stream);
        long shardKey = before.getLong("shard_key");

        // A retention change into another tier (made through any instance) fences the shard's writer: the
        // lease has no owner and a higher epoch once the change has committed.
        io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(
                () -> settings.changeRetention(LogClient.TENANT, stream, 48, true));
        Row fencedLease = lease(stream);
        assertEquals(null, fencedLease.getString("owner_id"));
        assertEquals(before.getLong("epoch") + 1, fencedLease.getLong("epoch"));

        // The next append takes the lease again, reads the stream anew and stores in the new tier.
        AppendResponse after = append(stream, shard.getShardId(), 2, "b");
        assertTrue(after.hasAck(), () -> "refused: " + after.getError());
        assertEquals(before.getLong("epoch") + 2, lease(stream).getLong("epoch"));
        List<Integer> tiers = new ArrayList<>();
        pool.preparedQuery("SELECT retention_tier FROM record_batches WHERE shard_key = $1 ORDER BY last_position")
                .execute(Tuple.of(shardKey)).await().atMost(Duration.ofSeconds(10)).forEach(r -> tiers.add(r.getInteger(0)));
        assertEquals(List.of(24, 48), tiers);
    }

    @Test
    void shardsAreHandedToAnInstanceThatJoinsOnceItHasSettled() throws Exception {
        String stream = "ownership-join-" + System.nanoTime();
        StreamDescription description = client.create(stream, 16);
        for (Shard shard : description.getShardsList()) {
            AppendResponse r = appendOne(description, stream, shard.getShardId(), "x");
            assertTrue(r.hasAck(), () -> "refused: " + r.getError());
        }
        java.util.Map<String, Long> keys = new java.util.HashMap<>();
        pool.preparedQuery("""
                        SELECT s.shard_index, s.shard_key, l.owner_id FROM shards s JOIN streams st ON st.id = s.stream_id
                        JOIN shard_leases l ON l.shard_key = s.shard_key WHERE st.name = $1""")
                .execute(Tuple.of(stream)).await().atMost(Duration.ofSeconds(10)).forEach(r -> {
                    assertEquals(ownership.instanceId(), r.getString(2), "this instance took every shard it was sent");
                    keys.put(io.tributary.shard.ShardIds.format(r.getInteger(0)), r.getLong(1));
                });
        assertEquals(16, keys.size());

        // A peer that has been live for a while appears: the shards rendezvous hashing gives it are handed over.
        String peer = "peer-" + System.nanoTime();
        sql("INSERT INTO shard_service_instances VALUES ($1, 'peer-host:9082', now() - interval '1 hour', now() + interval '1 minute')", peer);
        Set<String> theirs = new HashSet<>();
        try {
            for (var e : keys.entrySet()) {
                if (peer.equals(io.tributary.shard.Rendezvous.pick(Long.toString(e.getValue()), List.of(ownership.instanceId(), peer)))) {
                    theirs.add(e.getKey());
                }
            }
            assertTrue(!theirs.isEmpty() && theirs.size() < 16, "rendezvous hashing splits 16 shards between two: " + theirs);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
                for (var e : keys.entrySet()) {
                    String owner = pool.preparedQuery("SELECT owner_id FROM shard_leases WHERE shard_key = $1")
                            .execute(Tuple.of(e.getValue())).await().atMost(Duration.ofSeconds(5)).iterator().next().getString(0);
                    if (theirs.contains(e.getKey()) ? owner != null : !ownership.instanceId().equals(owner)) {
                        return false;
                    }
                }
                return true;
            });
            // Writers are sent to the peer for those shards; this instance does not take them back.
            StreamDescription now = client.admin().describeStream(DescribeStreamRequest.newBuilder()
                    .setStream(LogClient.ref(stream)).build());
            for (Shard shard : now.getShardsList()) {
                assertEquals(theirs.contains(shard.getShardId()) ? "peer-host:9082" : ownership.endpoint(),
                        shard.getOwnerEndpoint(), shard.getShardId());
            }
            assertEquals(ErrorCode.NOT_OWNER, appendOne(description, stream, theirs.iterator().next(), "y").getError().getCode());
        } finally {
            sql("UPDATE shard_service_instances SET expires_at = now() - interval '1 second' WHERE instance_id = $1", peer);
        }
        // With the peer gone, this instance takes the shard again on the next append.
        String handedOver = theirs.iterator().next();
        assertTrue(appendOne(description, stream, handedOver, "z").hasAck());
    }

    @Test
    void aSubscriberOnAnInstanceThatDoesNotWriteTheShardGetsWhatTheOwnerCommits() throws Exception {
        String stream = "ownership-follow-" + System.nanoTime();
        StreamDescription description = client.create(stream, 1);
        Shard shard = description.getShards(0);
        AppendResponse mine = appendOne(description, stream, shard.getShardId(), "mine");
        assertTrue(mine.hasAck());
        long shardKey = lease(stream).getLong("shard_key");

        // Another live instance takes the shard; a subscriber here, after the last record, waits on a follower.
        String other = "writer-" + System.nanoTime();
        sql("INSERT INTO shard_service_instances VALUES ($1, 'writer-host:9082', now(), now() + interval '1 minute')", other);
        sql("UPDATE shard_leases SET owner_id = $1, epoch = epoch + 1 WHERE shard_key = $2", other, shardKey);
        LogClient.Subscriber subscriber = client.subscribe(stream, shard.getShardId(),
                LogClient.at(PositionType.AFTER_SEQUENCE_NUMBER, mine.getAck().getSequenceNumbers(0)), 100);
        try {
            // Whether the subscription is already waiting when the other instance commits or starts after it,
            // it must deliver that record (waiting, only the follow poll can wake it).
            org.awaitility.Awaitility.await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
                    .until(() -> subscriber.received.isEmpty() && subscriber.error.get() == null);
            // The other instance commits a batch (a copy of the last one, through the fence, under its epoch).
            sql("""
                    INSERT INTO record_batches (shard_key, first_position, last_position, first_arrival, last_arrival,
                                                record_count, writer_epoch, traceparent, payload, retention_tier, data_key_id)
                    SELECT shard_key, last_position + 1, last_position + record_count, now(), now(), record_count, epoch, NULL,
                           payload, retention_tier, data_key_id
                    FROM record_batches JOIN shard_leases USING (shard_key)
                    WHERE shard_key = $1 AND shard_lease_holds(shard_key, epoch)
                    ORDER BY last_position DESC LIMIT 1""", shardKey);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> !subscriber.received.isEmpty() || subscriber.error.get() != null);
            assertEquals(null, subscriber.error.get());
            assertEquals(1, subscriber.received.size(), "the subscriber got the record another instance committed");
            assertEquals("mine", subscriber.received.get(0).getData().toStringUtf8());
        } finally {
            subscriber.close();
            sql("UPDATE shard_service_instances SET expires_at = now() - interval '1 second' WHERE instance_id = $1", other);
        }
    }

    @Test
    void aSplitOnOneInstanceFencesTheParentsWriterOnAnotherAndEndsAfterItsLastBatch() throws Throwable {
        String stream = "ownership-split-" + System.nanoTime();
        StreamDescription description = client.create(stream, 1);
        Shard shard = description.getShards(0);
        assertTrue(appendOne(description, stream, shard.getShardId(), "mine").hasAck());
        long shardKey = lease(stream).getLong("shard_key");

        // Another instance writes the shard now and has committed a batch this instance never saw.
        String other = "splitter-" + System.nanoTime();
        sql("INSERT INTO shard_service_instances VALUES ($1, 'splitter-host:9082', now(), now() + interval '1 minute')", other);
        sql("UPDATE shard_leases SET owner_id = $1, epoch = epoch + 1 WHERE shard_key = $2", other, shardKey);
        long otherEpoch = lease(stream).getLong("epoch");
        String copyAsOther = """
                INSERT INTO record_batches (shard_key, first_position, last_position, first_arrival, last_arrival,
                                            record_count, writer_epoch, traceparent, payload, retention_tier, data_key_id)
                SELECT shard_key, last_position + 1, last_position + record_count, now(), now(), record_count, $2, NULL,
                       payload, retention_tier, data_key_id
                FROM record_batches WHERE shard_key = $1 AND shard_lease_holds($1, $2)
                ORDER BY last_position DESC LIMIT 1""";
        try {
            sql(copyAsOther, shardKey, otherEpoch);

            // The split runs here: it takes the parent's lease from the other instance and ends the parent
            // after the other instance's batch.
            io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(() -> resharding.split(LogClient.TENANT, stream,
                    shard.getShardId(), io.tributary.shard.HashKeys.MAX.shiftRight(1)));
            Row fencedLease = lease(stream);
            assertEquals(null, fencedLease.getString("owner_id"));
            assertEquals(otherEpoch + 1, fencedLease.getLong("epoch"));
            // The other instance can no longer add to the parent.
            RuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> sql(copyAsOther, shardKey, otherEpoch));
            assertTrue(String.valueOf(refused.getMessage()).contains("no longer held"), refused.getMessage());

            List<StoredRecord> parent = client.readAll(stream, shard.getShardId(), position(PositionType.TRIM_HORIZON));
            assertEquals(List.of("mine", "mine"), parent.stream().map(r -> r.getData().toStringUtf8()).toList());
            StreamDescription after = client.admin().describeStream(DescribeStreamRequest.newBuilder()
                    .setStream(LogClient.ref(stream)).build());
            Shard closed = after.getShardsList().stream().filter(x -> x.getShardId().equals(shard.getShardId())).findFirst().orElseThrow();
            java.math.BigInteger ending = new java.math.BigInteger(closed.getEndingSequenceNumber());
            assertTrue(ending.compareTo(new java.math.BigInteger(parent.get(1).getSequenceNumber())) > 0,
                    "the parent ends after the other instance's batch");
            for (Shard child : after.getShardsList()) {
                if (child.getEndingSequenceNumber().isEmpty()) {
                    assertTrue(new java.math.BigInteger(child.getStartingSequenceNumber()).compareTo(ending) > 0,
                            "children start after the parent's end");
                }
            }
        } finally {
            sql("UPDATE shard_service_instances SET expires_at = now() - interval '1 second' WHERE instance_id = $1", other);
        }
    }
}
