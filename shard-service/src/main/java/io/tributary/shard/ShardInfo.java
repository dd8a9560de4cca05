package io.tributary.shard;

/**
 * A shard as the log sees it.
 *
 * @param shardKey         storage identity, unique over all streams
 * @param index            index within the stream; the shard id is derived from it
 * @param hashKeyRange     keys this shard owns
 * @param parentIndex      index of the parent shard, or -1
 * @param adjacentParentIndex index of the adjacent parent after a merge, or -1
 * @param startingPosition smallest position the shard can hold
 * @param endingPosition   last position once closed, or -1 while open. A closed shard's ending position is
 *                         reserved when it closes and never holds a record, so it is at least its starting
 *                         position even when the shard never held any.
 * @param createdAtMillis  when the shard was created
 * @param closedAtMillis   when it was closed, or -1 while open
 */
public record ShardInfo(long shardKey, int index, HashKeyRange hashKeyRange, int parentIndex,
                        int adjacentParentIndex, long startingPosition, long endingPosition, long createdAtMillis,
                        long closedAtMillis) {

    public String shardId() {
        return ShardIds.format(index);
    }

    public boolean isOpen() {
        return endingPosition < 0;
    }
}
