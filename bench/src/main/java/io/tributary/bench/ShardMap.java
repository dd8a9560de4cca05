package io.tributary.bench;

import io.tributary.protocol.v1.Shard;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The open shards of the bench's stream with their hash key ranges, and pools of partition keys that route
 * to each of them, so that a producer can fill a batch for one shard without hashing on the hot path.
 */
public final class ShardMap {

    /** Inclusive hash key range of one open shard. */
    public record ShardRange(String shardId, BigInteger startingHashKey, BigInteger endingHashKey) {
        public boolean contains(BigInteger hashKey) {
            return startingHashKey.compareTo(hashKey) <= 0 && hashKey.compareTo(endingHashKey) <= 0;
        }
    }

    /** How records are routed to their shard. */
    public enum KeyMode {
        /** Random partition keys grouped by the shard holding MD5(key): the server hashes every key. */
        MD5,
        /** Random partition keys plus an explicit_hash_key drawn inside the target shard's range. */
        EXPLICIT
    }

    private final List<ShardRange> shards;

    public ShardMap(List<ShardRange> shards) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("the stream has no open shard");
        }
        this.shards = List.copyOf(shards);
    }

    /** The open shards (no ending sequence number) of a stream description or shard listing. */
    public static ShardMap ofOpenShards(List<Shard> shards) {
        List<ShardRange> open = new ArrayList<>();
        for (Shard shard : shards) {
            if (shard.getEndingSequenceNumber().isEmpty()) {
                open.add(new ShardRange(shard.getShardId(), new BigInteger(shard.getStartingHashKey()),
                        new BigInteger(shard.getEndingHashKey())));
            }
        }
        return new ShardMap(open);
    }

    public List<ShardRange> shards() {
        return shards;
    }

    public int size() {
        return shards.size();
    }

    public ShardRange get(int index) {
        return shards.get(index);
    }

    /** Index of the shard whose range holds {@code hashKey}, or -1 when no open shard does. */
    public int indexFor(BigInteger hashKey) {
        for (int i = 0; i < shards.size(); i++) {
            if (shards.get(i).contains(hashKey)) {
                return i;
            }
        }
        return -1;
    }

    /** The Kinesis hash key of a partition key: MD5 of its UTF-8 bytes as an unsigned 128-bit integer. */
    public static BigInteger md5HashKey(String partitionKey) {
        try {
            byte[] digest = MessageDigest.getInstance("MD5").digest(partitionKey.getBytes(StandardCharsets.UTF_8));
            return new BigInteger(1, digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is a mandatory JDK algorithm", e);
        }
    }

    /**
     * Builds {@code keysPerShard} random keys per shard. In MD5 mode keys are drawn until every shard has its
     * share; a shard whose range is too narrow to be hit fails with a message rather than looping forever.
     */
    public KeyPool keyPool(KeyMode mode, int keysPerShard, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String[][] partitionKeys = new String[shards.size()][keysPerShard];
        String[][] explicitHashKeys = mode == KeyMode.EXPLICIT ? new String[shards.size()][keysPerShard] : null;
        if (mode == KeyMode.EXPLICIT) {
            Random bigRandom = new Random(seed);
            for (int s = 0; s < shards.size(); s++) {
                ShardRange range = shards.get(s);
                BigInteger width = range.endingHashKey().subtract(range.startingHashKey()).add(BigInteger.ONE);
                for (int k = 0; k < keysPerShard; k++) {
                    partitionKeys[s][k] = randomKey(random);
                    BigInteger offset = new BigInteger(160, bigRandom).mod(width);
                    explicitHashKeys[s][k] = range.startingHashKey().add(offset).toString();
                }
            }
            return new KeyPool(partitionKeys, explicitHashKeys);
        }
        int[] filled = new int[shards.size()];
        int remaining = shards.size();
        long attempts = 0;
        long maxAttempts = 200L * keysPerShard * shards.size() + 100_000;
        while (remaining > 0) {
            if (++attempts > maxAttempts) {
                throw new IllegalStateException("could not find " + keysPerShard + " partition keys for every shard after "
                        + maxAttempts + " random keys; a shard's hash range is too narrow: use --keys explicit");
            }
            String key = randomKey(random);
            int s = indexFor(md5HashKey(key));
            if (s >= 0 && filled[s] < keysPerShard) {
                partitionKeys[s][filled[s]++] = key;
                if (filled[s] == keysPerShard) {
                    remaining--;
                }
            }
        }
        return new KeyPool(partitionKeys, null);
    }

    private static String randomKey(SplittableRandom random) {
        return "pk-" + Long.toHexString(random.nextLong());
    }

    /** Partition keys (and, in explicit mode, hash keys) per shard index. Immutable after construction. */
    public static final class KeyPool {
        private final String[][] partitionKeys;
        private final byte[][][] partitionKeyBytes;
        private final String[][] explicitHashKeys;

        KeyPool(String[][] partitionKeys, String[][] explicitHashKeys) {
            this.partitionKeys = partitionKeys;
            this.explicitHashKeys = explicitHashKeys;
            this.partitionKeyBytes = new byte[partitionKeys.length][][];
            for (int s = 0; s < partitionKeys.length; s++) {
                partitionKeyBytes[s] = new byte[partitionKeys[s].length][];
                for (int k = 0; k < partitionKeys[s].length; k++) {
                    partitionKeyBytes[s][k] = partitionKeys[s][k].getBytes(StandardCharsets.UTF_8);
                }
            }
        }

        public int keysPerShard() {
            return partitionKeys[0].length;
        }

        public String partitionKey(int shard, int key) {
            return partitionKeys[shard][key];
        }

        /** {@link #partitionKey} as UTF-8; the array is shared, not to be modified. */
        public byte[] partitionKeyBytes(int shard, int key) {
            return partitionKeyBytes[shard][key];
        }

        /** The explicit hash key to send, or {@code null} when the server must hash the partition key. */
        public String explicitHashKey(int shard, int key) {
            return explicitHashKeys == null ? null : explicitHashKeys[shard][key];
        }
    }
}
