package io.tributary.bench.load;

import io.tributary.bench.ShardMap.ShardRange;
import io.tributary.bench.measure.DeliveryLedger;
import io.tributary.bench.measure.Latencies;
import io.tributary.bench.measure.LoadStats;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StartingPosition;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An enhanced fan-out consumer of one shard through the public Kinesis API, as a Kinesis application with
 * the AWS SDK reads: SubscribeToShard sessions one after the other, each continuing from the previous
 * one's ContinuationSequenceNumber. Records arrive pushed; end-to-end latency is measured on arrival.
 */
public final class KinesisFanOutSubscriber implements ShardConsumer {

    private final ShardRange shard;
    private final String consumerArn;
    private final KinesisAsyncClient kinesis;
    private final CompletableFuture<Void> live = new CompletableFuture<>();
    private volatile boolean closing;
    private volatile String failure;
    private volatile String continuation;
    private volatile CompletableFuture<Void> session;
    private final KinesisDelivery delivery;
    // Renewals: when the last session ended, and for each renewal the time from that end to the new session's
    // response and to its first event (nanoseconds). Guarded by this.
    private long endedAt = -1;
    private boolean awaitingFirstEvent;
    private final java.util.List<long[]> renewals = new java.util.ArrayList<>();

    public KinesisFanOutSubscriber(ShardRange shard, String consumerArn, KinesisAsyncClient kinesis, DeliveryLedger ledger,
                                   Latencies latencies, LoadStats stats) {
        this.shard = shard;
        this.consumerArn = consumerArn;
        this.kinesis = kinesis;
        this.delivery = new KinesisDelivery(ledger, latencies, stats);
    }

    /** Subscribes from LATEST and waits until the session is open (so no record of the load is missed). */
    public void start() {
        subscribe(StartingPosition.builder().type(ShardIteratorType.LATEST).build());
        try {
            live.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while subscribing to " + shard.shardId(), e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("SubscribeToShard on " + shard.shardId() + " did not open: " + e, e);
        }
    }

    private void subscribe(StartingPosition from) {
        SubscribeToShardResponseHandler handler = SubscribeToShardResponseHandler.builder()
                .onResponse(r -> {
                    live.complete(null);
                    renewalResponse(System.nanoTime());
                })
                .subscriber(SubscribeToShardResponseHandler.Visitor.builder().onSubscribeToShardEvent(this::received).build())
                .build();
        session = kinesis.subscribeToShard(b -> b.consumerARN(consumerArn).shardId(shard.shardId()).startingPosition(from), handler);
        session.whenComplete((v, e) -> {
            if (closing) {
                return;
            }
            if (e != null) {
                failure = "SubscribeToShard on " + shard.shardId() + " failed: " + e;
                live.completeExceptionally(e);
                return;
            }
            // Sessions end (after 5 minutes); the next one continues where this one stopped.
            sessionEnded(System.nanoTime());
            String after = continuation;
            subscribe(after == null ? StartingPosition.builder().type(ShardIteratorType.LATEST).build()
                    : StartingPosition.builder().type(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(after).build());
        });
    }

    private synchronized void received(SubscribeToShardEvent event) {
        long now = System.nanoTime();
        continuation = event.continuationSequenceNumber();
        if (awaitingFirstEvent) {
            awaitingFirstEvent = false;
            renewals.get(renewals.size() - 1)[1] = now - endedAt;
        }
        delivery.received(event.records(), now);
    }

    private synchronized void sessionEnded(long now) {
        endedAt = now;
        awaitingFirstEvent = true;
        renewals.add(new long[] {-1, -1});
    }

    private synchronized void renewalResponse(long now) {
        if (endedAt >= 0 && !renewals.isEmpty() && renewals.get(renewals.size() - 1)[0] < 0) {
            renewals.get(renewals.size() - 1)[0] = now - endedAt;
        }
    }

    @Override
    public synchronized String sessionSummary() {
        if (renewals.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder(shard.shardId()).append(": ").append(renewals.size())
                .append(" renewal(s), session end -> next response / first event:");
        for (long[] r : renewals) {
            b.append(' ').append(r[0] < 0 ? "-" : String.format("%.1f", r[0] / 1e6)).append('/')
                    .append(r[1] < 0 ? "-" : String.format("%.1f", r[1] / 1e6)).append(" ms");
        }
        return b.toString();
    }

    @Override
    public void close() {
        closing = true;
        CompletableFuture<Void> s = session;
        if (s != null) {
            s.cancel(true);
        }
    }

    @Override
    public String failure() {
        return failure;
    }
}
