package io.tributary.bench.load;

import io.tributary.bench.ShardMap.ShardRange;
import io.tributary.bench.measure.DeliveryLedger;
import io.tributary.bench.measure.Latencies;
import io.tributary.bench.measure.LoadStats;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A polling consumer of one shard through the public Kinesis API, as a KCL-style application reads: an
 * iterator taken before the load starts, then GetRecords in a loop, at once while records come and after
 * {@code --poll-interval} when a call returned none.
 */
public final class KinesisPoller implements ShardConsumer, Runnable {

    private final ShardRange shard;
    private final String stream;
    private final KinesisClient kinesis;
    private final long idleNanos;
    private final LoadStats stats;
    private final Thread thread;
    private volatile boolean closing;
    private volatile String failure;
    private String iterator;
    private String lastSequenceNumber;
    private final KinesisDelivery delivery;

    public KinesisPoller(ShardRange shard, String stream, KinesisClient kinesis, Duration pollInterval,
                         DeliveryLedger ledger, Latencies latencies, LoadStats stats) {
        this.shard = shard;
        this.stream = stream;
        this.kinesis = kinesis;
        this.idleNanos = pollInterval.toNanos();
        this.stats = stats;
        this.delivery = new KinesisDelivery(ledger, latencies, stats);
        this.thread = new Thread(this, "poller-" + shard.shardId());
        this.thread.setDaemon(true);
    }

    /** Takes the iterator (so the position is fixed before any load) and starts polling. */
    public void start(ShardIteratorType type) {
        iterator = kinesis.getShardIterator(b -> b.streamName(stream).shardId(shard.shardId()).shardIteratorType(type))
                .shardIterator();
        thread.start();
    }

    @Override
    public void run() {
        try {
            while (!closing && iterator != null) {
                String it = iterator;
                GetRecordsResponse r = kinesis.getRecords(b -> b.shardIterator(it).limit(10_000));
                long now = System.nanoTime();
                iterator = r.nextShardIterator();
                int count = r.records().size();
                for (Record record : r.records()) {
                    if (lastSequenceNumber != null && SequenceNumbers.compare(lastSequenceNumber, record.sequenceNumber()) >= 0) {
                        stats.outOfOrder(1);
                        stats.problem(shard.shardId() + ": GetRecords returned " + record.sequenceNumber() + " out of order");
                    }
                    lastSequenceNumber = record.sequenceNumber();
                }
                delivery.received(r.records(), now);
                if (count == 0) {
                    LockSupport.parkNanos(idleNanos);
                }
            }
        } catch (SdkException | IllegalStateException e) {
            if (!closing) {
                failure = "polling " + shard.shardId() + " failed: " + e;
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        thread.join(10_000);
    }

    @Override
    public String failure() {
        return failure;
    }
}
