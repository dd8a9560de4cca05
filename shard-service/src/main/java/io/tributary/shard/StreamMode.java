package io.tributary.shard;

/**
 * Capacity mode of a stream, as Kinesis names it. Tributary puts no per-shard throughput cap on either
 * (unless a stream asks for Kinesis's quotas); the mode decides whether the shard count is the user's to
 * change ({@code PROVISIONED}: UpdateShardCount, SplitShard, MergeShards) or not ({@code ON_DEMAND}).
 */
public enum StreamMode {
    PROVISIONED, ON_DEMAND
}
