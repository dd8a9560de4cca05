package io.tributary.bench.load;

import com.google.protobuf.ByteString;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.bench.Payload;
import io.tributary.bench.ShardMap.ShardRange;
import io.tributary.bench.measure.DeliveryLedger;
import io.tributary.bench.measure.Latencies;
import io.tributary.bench.measure.LoadStats;
import io.tributary.protocol.v1.Position;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamRef;
import io.tributary.protocol.v1.SubscribeRequest;
import io.tributary.protocol.v1.SubscribeResponse;
import io.tributary.protocol.v1.SubscribeStart;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The subscription to one shard. Keeps {@code --subscriber-credits} records granted: every message's records
 * are granted again once processed, so the server is never more than that far ahead of the bench.
 *
 * <p>Runs on the channel's event loop (direct executor); processing a message is decoding 16 bytes per record,
 * one ledger call and one credit message.
 */
public final class ShardSubscriber implements StreamObserver<SubscribeResponse>, ShardConsumer {

    private static final long CLOSE_WAIT_SECONDS = 5;

    private final ShardRange shard;
    private final StreamRef stream;
    private final StreamLogGrpc.StreamLogStub stub;
    private final int credits;
    private final DeliveryLedger ledger;
    private final Latencies latencies;
    private final LoadStats stats;
    private final Payload verifier;
    private final Object sendLock = new Object();
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch probe = new CountDownLatch(1);
    private ClientCallStreamObserver<SubscribeRequest> requests;
    private boolean closing;
    private volatile String failure;
    private String lastSequenceNumber;
    private long[] ids = new long[1024];

    /** @param verifier checks every payload byte when non-null ({@code --verify-data}) */
    public ShardSubscriber(ShardRange shard, StreamRef stream, StreamLogGrpc.StreamLogStub stub, int credits,
                           DeliveryLedger ledger, Latencies latencies, LoadStats stats, Payload verifier) {
        this.shard = shard;
        this.stream = stream;
        this.stub = stub;
        this.credits = credits;
        this.ledger = ledger;
        this.latencies = latencies;
        this.stats = stats;
        this.verifier = verifier;
    }

    public void start(PositionType position) {
        synchronized (sendLock) {
            requests = (ClientCallStreamObserver<SubscribeRequest>) stub.subscribe(this);
            requests.onNext(SubscribeRequest.newBuilder()
                    .setStart(SubscribeStart.newBuilder()
                            .setStream(stream)
                            .setShardId(shard.shardId())
                            .setPosition(Position.newBuilder().setType(position))
                            .setCredits(credits))
                    .build());
        }
    }

    @Override
    public void onNext(SubscribeResponse response) {
        long now = System.nanoTime();
        if (response.hasError()) {
            failure = "subscription to " + shard.shardId() + " failed: " + response.getError().getCode() + ": "
                    + response.getError().getMessage();
            return;
        }
        int count = response.getRecordsCount();
        if (ids.length < count) {
            ids = new long[Math.max(count, ids.length * 2)];
        }
        int n = 0;
        int foreign = 0;
        long outOfOrder = 0;
        long corrupted = 0;
        for (int i = 0; i < count; i++) {
            StoredRecord record = response.getRecords(i);
            String sequenceNumber = record.getSequenceNumber();
            if (lastSequenceNumber != null && SequenceNumbers.compare(lastSequenceNumber, sequenceNumber) >= 0) {
                outOfOrder++;
            }
            lastSequenceNumber = sequenceNumber;
            ByteString data = record.getData();
            if (data.size() < Payload.HEADER_BYTES) {
                foreign++;
                continue;
            }
            long word = Payload.word(data);
            if (Payload.producerOf(word) == Payload.PROBE_PRODUCER) {
                probe.countDown();
                continue;
            }
            if (verifier != null && !verifier.matches(data, word)) {
                corrupted++;
            }
            latencies.recordEndToEnd(now - Payload.sendNanos(data), Payload.isMeasured(word));
            ids[n++] = Payload.idOf(word);
        }
        ledger.received(ids, n);
        if (foreign > 0) {
            ledger.foreign(foreign);
        }
        if (outOfOrder > 0) {
            stats.outOfOrder(outOfOrder);
            stats.problem(shard.shardId() + ": subscription delivered sequence number " + lastSequenceNumber
                    + " out of order");
        }
        if (corrupted > 0) {
            stats.corrupted(corrupted);
        }
        stats.received(n);
        if (count > 0) {
            grant(count);
        }
    }

    private void grant(int records) {
        synchronized (sendLock) {
            if (!closing) {
                requests.onNext(SubscribeRequest.newBuilder().setCredits(records).build());
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        boolean expected;
        synchronized (sendLock) {
            expected = closing;
        }
        if (!expected && failure == null) {
            failure = "subscription to " + shard.shardId() + " failed: " + t;
        }
        done.countDown();
    }

    @Override
    public void onCompleted() {
        boolean expected;
        synchronized (sendLock) {
            expected = closing;
        }
        if (!expected && failure == null) {
            failure = "the server completed the subscription to " + shard.shardId() + " before the bench closed it";
        }
        done.countDown();
    }

    /** Half-closes the subscription and waits (bounded) for the server to end it; cancels it otherwise. */
    @Override
    public void close() throws InterruptedException {
        synchronized (sendLock) {
            if (closing || requests == null) {
                return;
            }
            closing = true;
            if (done.getCount() > 0) {
                requests.onCompleted();
            }
        }
        if (!done.await(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
            requests.cancel("bench finished", null);
        }
    }

    public ShardRange shard() {
        return shard;
    }

    public boolean probeSeen() {
        return probe.getCount() == 0;
    }

    /** Waits until a probe record ({@link Payload#PROBE_PRODUCER}) has arrived. */
    public boolean awaitProbe(java.time.Duration timeout) throws InterruptedException {
        return probe.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Why the subscription failed, or {@code null} while it works. */
    @Override
    public String failure() {
        return failure;
    }
}
