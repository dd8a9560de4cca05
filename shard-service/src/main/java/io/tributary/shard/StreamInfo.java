package io.tributary.shard;

import java.util.List;

/**
 * A stream and its shards as the log sees it: an immutable snapshot, replaced whenever the stream changes.
 *
 * @param shards all shards, ordered by index
 */
public record StreamInfo(long id, String tenantId, String name, StreamStatus status, int retentionHours,
                         int maxRecordSizeBytes, long createdAtMillis, List<ShardInfo> shards,
                         boolean kinesisShardQuotas) {

    /** @return the shard with this id, or {@code null} */
    public ShardInfo shard(String shardId) {
        int index = ShardIds.parse(shardId);
        if (index < 0) {
            return null;
        }
        // Shards are listed by index and created with consecutive indexes: usually a direct hit.
        if (index < shards.size() && shards.get(index).index() == index) {
            return shards.get(index);
        }
        for (ShardInfo s : shards) {
            if (s.index() == index) {
                return s;
            }
        }
        return null;
    }

    public String arn(String region) {
        return "arn:aws:kinesis:" + region + ":" + tenantId + ":stream/" + name;
    }
}
