package io.tributary.bench.load;

import io.tributary.bench.BenchSettings;
import io.tributary.bench.Payload;
import io.tributary.bench.ShardMap;
import io.tributary.bench.ShardMap.KeyPool;
import io.tributary.bench.measure.DeliveryLedger;
import io.tributary.bench.measure.Latencies;
import io.tributary.bench.measure.LoadStats;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One producer through the public Kinesis API: PutRecords of {@code --batch-records} (at most 500) records
 * with the AWS SDK for Java v2, one request at a time (the SDK client is synchronous: concurrency comes
 * from {@code --producers}). Partition keys are random; the service routes them. A record failed in the
 * answer counts as refused, as a Kinesis producer would see it.
 */
public final class KinesisProducer implements LoadProducer {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final int id;
    private final BenchSettings settings;
    private final ShardMap shards;
    private final KeyPool keys;
    private final Payload payload;
    private final KinesisClient kinesis;
    private final RunControl control;
    private final DeliveryLedger ledger;
    private final Latencies latencies;
    private final LoadStats stats;
    private volatile Throwable failure;

    public KinesisProducer(int id, BenchSettings settings, ShardMap shards, KeyPool keys, Payload payload,
                           KinesisClient kinesis, RunControl control, DeliveryLedger ledger, Latencies latencies,
                           LoadStats stats) {
        this.id = id;
        this.settings = settings;
        this.shards = shards;
        this.keys = keys;
        this.payload = payload;
        this.kinesis = kinesis;
        this.control = control;
        this.ledger = ledger;
        this.latencies = latencies;
        this.stats = stats;
    }

    @Override
    public void run() {
        SplittableRandom random = new SplittableRandom(settings.seed() * 31 + id);
        Pacer pacer = new Pacer(settings, control, settings.batchRecords());
        long counter = 0;
        int recordBytes = payload.recordBytes();
        try {
            while (!control.sendingStopped()) {
                long wait = pacer.waitNanos();
                if (wait > 0) {
                    LockSupport.parkNanos(Math.min(wait, POLL_NANOS));
                    continue;
                }
                boolean measured = control.measuring();
                int count = control.claim(settings.batchRecords(), measured);
                if (count == 0) {
                    break;
                }
                byte[] buffer = new byte[count * recordBytes];
                for (int i = 0; i < count; i++) {
                    payload.write(buffer, i * recordBytes, id, counter + i, measured);
                }
                long sent = System.nanoTime();
                payload.stampSendTime(buffer, count, sent);
                List<PutRecordsRequestEntry> entries = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    int shard = random.nextInt(shards.size());
                    entries.add(PutRecordsRequestEntry.builder()
                            .partitionKey(keys.partitionKey(shard, random.nextInt(keys.keysPerShard())))
                            .data(SdkBytes.fromByteArrayUnsafe(Arrays.copyOfRange(buffer, i * recordBytes, (i + 1) * recordBytes)))
                            .build());
                }
                stats.sent();
                long first = counter;
                counter += count;
                pacer.sent();
                if (settings.api() == BenchSettings.Api.KINESIS_PUT_RECORD) {
                    putOneByOne(entries, first, measured, sent);
                    continue;
                }
                PutRecordsResponse response;
                try {
                    response = kinesis.putRecords(b -> b.streamName(settings.streamName()).records(entries));
                } catch (SdkException e) {
                    ledger.refused(id, first, count);
                    stats.refused(e.getClass().getSimpleName(), e.getMessage());
                    continue;
                }
                long now = System.nanoTime();
                latencies.recordAck(now - sent, measured);
                int stored = 0;
                List<PutRecordsResultEntry> results = response.records();
                for (int i = 0; i < results.size(); i++) {
                    PutRecordsResultEntry r = results.get(i);
                    if (r.errorCode() == null) {
                        ledger.acknowledged(id, first + i, 1);
                        stored++;
                    } else {
                        ledger.refused(id, first + i, 1);
                        stats.refused(r.errorCode(), r.errorMessage());
                    }
                }
                stats.acknowledged(stored, (long) stored * recordBytes, measured, now);
            }
        } catch (RuntimeException e) {
            failure = e;
            control.abort("producer " + id + " failed: " + e);
        }
    }

    /** PutRecord for each record in turn; the latency of each is its own round trip. */
    private void putOneByOne(List<PutRecordsRequestEntry> entries, long first, boolean measured, long batchSent) {
        long sent = batchSent;
        for (int i = 0; i < entries.size(); i++) {
            PutRecordsRequestEntry e = entries.get(i);
            try {
                kinesis.putRecord(b -> b.streamName(settings.streamName()).partitionKey(e.partitionKey()).data(e.data()));
                long now = System.nanoTime();
                latencies.recordAck(now - sent, measured);
                ledger.acknowledged(id, first + i, 1);
                stats.acknowledged(1, e.data().asByteArrayUnsafe().length, measured, now);
                sent = now;
            } catch (SdkException ex) {
                ledger.refused(id, first + i, 1);
                stats.refused(ex.getClass().getSimpleName(), ex.getMessage());
            }
        }
    }

    @Override
    public Throwable failure() {
        return failure;
    }
}
