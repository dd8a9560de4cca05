package io.tributary.shard;

import java.util.List;

/**
 * The outcome of a bounded read.
 *
 * @param nextPosition       position the next read starts at
 * @param millisBehindLatest arrival time of the newest committed record minus that of the last record
 *                           returned; 0 when the read reached the newest record
 */
public record ReadResult(ShardInfo shard, List<LogRecord> records, long nextPosition, long millisBehindLatest) {

    /** The sequence number after which the next read continues. */
    public String continuationSequenceNumber() {
        return SequenceNumbers.format(nextPosition - 1, shard.index());
    }
}
