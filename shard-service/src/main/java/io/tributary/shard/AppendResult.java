package io.tributary.shard;

/**
 * A committed batch: its records hold positions {@code firstPosition … firstPosition + count − 1} in the
 * shard and all arrived at {@code arrivalMillis}.
 */
public record AppendResult(ShardInfo shard, long firstPosition, int count, long arrivalMillis) {

    public String sequenceNumber(int i) {
        return SequenceNumbers.format(firstPosition + i, shard.index());
    }
}
