package io.tributary.ingest.service;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Kinesis's per-shard write limits for streams that ask for them (tag {@code tributary:shard-quotas=kinesis}):
 * 1 MiB/s and 1 000 records/s per shard, as token buckets holding one second's worth. A record that does
 * not fit is refused with {@code ProvisionedThroughputExceededException}, as Kinesis refuses it. Kept per
 * ingest-service instance: with several instances, each enforces the limits on what it receives.
 */
@ApplicationScoped
public class ShardQuotas {

    static final double BYTES_PER_SECOND = 1024 * 1024;
    static final double RECORDS_PER_SECOND = 1000;

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;

    public ShardQuotas() {
        this(System::nanoTime);
    }

    ShardQuotas(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Takes one record of {@code bytes} (data plus key) from the shard's limits; {@code false} when it does not fit. */
    public boolean tryTake(String tenantId, String streamName, String shardId, long bytes) {
        return buckets.computeIfAbsent(tenantId + "/" + streamName + "/" + shardId, k -> new Bucket(nanoClock.getAsLong()))
                .tryTake(bytes);
    }

    private final class Bucket {
        private double records = RECORDS_PER_SECOND;
        private double bytes = BYTES_PER_SECOND;
        private long lastNanos;

        Bucket(long now) {
            this.lastNanos = now;
        }

        synchronized boolean tryTake(long size) {
            long now = nanoClock.getAsLong();
            double seconds = (now - lastNanos) / 1e9;
            lastNanos = now;
            records = Math.min(RECORDS_PER_SECOND, records + seconds * RECORDS_PER_SECOND);
            bytes = Math.min(BYTES_PER_SECOND, bytes + seconds * BYTES_PER_SECOND);
            if (records < 1 || size > bytes) {
                return false;
            }
            records -= 1;
            bytes -= size;
            return true;
        }
    }
}
