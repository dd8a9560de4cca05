package io.tributary.shard;

/**
 * A committed batch: its records hold positions {@code firstPosition … firstPosition + count − 1} in the
 * shard and all arrived at {@code arrivalMillis}.
 */
public record AppendResult(ShardInfo shard, long firstPosition, int count, long arrivalMillis) {

    public String sequenceNumber(int i) {
        return SequenceNumbers.format(firstPosition + i, shard.index());
    }

    /** {@link #sequenceNumber} as ASCII bytes, for the wire. */
    public com.google.protobuf.ByteString sequenceNumberBytes(int i) {
        return SequenceNumbers.formatBytes(firstPosition + i, shard.index());
    }
}
