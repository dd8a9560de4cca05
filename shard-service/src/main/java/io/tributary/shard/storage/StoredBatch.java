package io.tributary.shard.storage;

/**
 * A batch read back from {@code record_batches}; {@code payload} is in {@link RecordBatchCodec}'s form, or
 * encrypted with data key {@code dataKeyId} (-1: in the clear).
 */
public record StoredBatch(long firstPosition, long lastPosition, long arrivalMillis, byte[] payload, long dataKeyId) {
}
