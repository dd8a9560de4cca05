package io.tributary.shard.storage;

/**
 * One batch to insert into {@code record_batches}.
 *
 * @param retentionTier the tier of its stream's retention ({@link io.tributary.shard.RetentionTiers})
 */
public record BatchRow(long shardKey, long firstPosition, long lastPosition, long arrivalMillis, int recordCount,
                       long writerEpoch, String traceparent, byte[] payload, int retentionTier) {
}
