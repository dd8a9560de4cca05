package io.tributary.shard.storage;

/**
 * The newest committed batch of a shard.
 *
 * @param lastPosition position of its last record, or 0 when the shard has none
 * @param arrivalMillis its arrival time, or 0 when the shard has none
 */
public record ShardHead(long lastPosition, long arrivalMillis) {

    public static final ShardHead EMPTY = new ShardHead(0, 0);
}
