package io.tributary.shard.storage;

/** A batch read back from {@code record_batches}; {@code payload} is in {@link RecordBatchCodec}'s form. */
public record StoredBatch(long firstPosition, long lastPosition, long arrivalMillis, byte[] payload) {
}
