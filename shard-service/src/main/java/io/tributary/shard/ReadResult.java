package io.tributary.shard;

import java.util.List;

/**
 * The outcome of a bounded read.
 *
 * @param nextPosition       position the next read starts at
 * @param millisBehindLatest arrival time of the newest committed record minus that of the last record
 *                           returned; 0 when the read reached the newest record
 * @param childShards        set once the read reached the end of a closed shard: the shards that took over
 *                           its hash keys (a reader continues there); {@code null} while there is more to read
 */
public record ReadResult(ShardInfo shard, List<LogRecord> records, long nextPosition, long millisBehindLatest,
                         List<ShardInfo> childShards) {

    /** Whether the shard is closed and this read reached its end: nothing will ever follow. */
    public boolean shardEnded() {
        return childShards != null;
    }

    /** The sequence number after which the next read continues. */
    public String continuationSequenceNumber() {
        return SequenceNumbers.format(nextPosition - 1, shard.index());
    }
}
