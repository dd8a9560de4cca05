package io.tributary.ingest;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/**
 * The open shards of a stream with their hash key ranges, for routing records: a snapshot taken from
 * shard-service, replaced when it is refreshed.
 *
 * @param shards             open shards ordered by the start of their range
 * @param kinesisShardQuotas whether writes are held to Kinesis's per-shard limits
 * @param encryptionType     NONE, or KMS while the stream encrypts what is appended (put answers say so)
 */
public record ShardMap(String tenantId, String streamName, int maxRecordSizeBytes, List<ShardRange> shards,
                       boolean kinesisShardQuotas, long loadedAtNanos, String encryptionType) {

    /**
     * A shard, the inclusive range of 16-byte big-endian hash keys it owns, and the gRPC endpoint of the
     * shard-service instance that writes it (empty: the configured shard-service).
     */
    public record ShardRange(String shardId, byte[] start, byte[] end, String endpoint) {
    }

    /** The endpoint writing an open shard of this map, or {@code null} when the map does not hold it. */
    public String endpointOf(String shardId) {
        for (ShardRange s : shards) {
            if (s.shardId().equals(shardId)) {
                return s.endpoint();
            }
        }
        return null;
    }

    /** The shard owning a 16-byte big-endian hash key, or {@code null} when no open shard does. */
    public ShardRange shardFor(byte[] hashKey) {
        int lo = 0;
        int hi = shards.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            ShardRange s = shards.get(mid);
            if (Arrays.compareUnsigned(hashKey, s.start()) < 0) {
                hi = mid - 1;
            } else if (Arrays.compareUnsigned(hashKey, s.end()) > 0) {
                lo = mid + 1;
            } else {
                return s;
            }
        }
        return null;
    }

    /** The hash key of a record: its explicit hash key if it has one, else the MD5 of its partition key. */
    public static byte[] hashOf(byte[] partitionKeyUtf8, String explicitHashKey) {
        if (explicitHashKey != null) {
            return toBytes(new BigInteger(explicitHashKey));
        }
        try {
            return java.security.MessageDigest.getInstance("MD5").digest(partitionKeyUtf8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides MD5", e);
        }
    }

    /** A decimal hash key as 16 big-endian bytes. */
    public static byte[] toBytes(BigInteger key) {
        byte[] raw = key.toByteArray();
        byte[] out = new byte[16];
        int copy = Math.min(16, raw.length);
        System.arraycopy(raw, raw.length - copy, out, 16 - copy, copy);
        return out;
    }
}
