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
                .onResponse(r -> live.complete(null))
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
            String after = continuation;
            subscribe(after == null ? StartingPosition.builder().type(ShardIteratorType.LATEST).build()
                    : StartingPosition.builder().type(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(after).build());
        });
    }

    private synchronized void received(SubscribeToShardEvent event) {
        long now = System.nanoTime();
        continuation = event.continuationSequenceNumber();
        delivery.received(event.records(), now);
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
