package io.tributary.shard.storage;

/**
 * One batch to insert into {@code record_batches}.
 *
 * @param retentionTier the tier of its stream's retention ({@link io.tributary.shard.RetentionTiers})
 * @param dataKeyId     the data key {@code payload} is encrypted with, or -1 when it is stored in the clear
 */
public record BatchRow(long shardKey, long firstPosition, long lastPosition, long arrivalMillis, int recordCount,
                       long writerEpoch, String traceparent, byte[] payload, int retentionTier, long dataKeyId) {
}
