package io.tributary.shard;

import java.util.List;

/**
 * A stream and its shards as the log sees it: an immutable snapshot, replaced whenever the stream changes.
 *
 * @param shards              all shards, ordered by index
 * @param expiredBeforeMillis records that arrived before this are unreadable whatever the retention (see
 *                            {@link Retention#cutoff}); 0 when nothing expired that way
 * @param encryptionKeyId     the KeyId of StartStreamEncryption while encrypted, else {@code null}
 * @param dataKeyId           the data key new batches are encrypted with, or -1
 */
public record StreamInfo(long id, String tenantId, String name, StreamStatus status, int retentionHours,
                         int maxRecordSizeBytes, long createdAtMillis, List<ShardInfo> shards,
                         boolean kinesisShardQuotas, StreamMode mode, long expiredBeforeMillis,
                         String encryptionKeyId, long dataKeyId) {

    /** Whether records appended now are encrypted at rest (with data key {@link #dataKeyId}). */
    public boolean encrypted() {
        return dataKeyId >= 0;
    }


    /** The shards created from this one by a split or a merge (empty while it is open). */
    public List<ShardInfo> childrenOf(int index) {
        List<ShardInfo> children = new java.util.ArrayList<>(2);
        for (ShardInfo s : shards) {
            if (s.parentIndex() == index || s.adjacentParentIndex() == index) {
                children.add(s);
            }
        }
        return children;
    }

    public int openShardCount() {
        int n = 0;
        for (ShardInfo s : shards) {
            if (s.isOpen()) {
                n++;
            }
        }
        return n;
    }

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
