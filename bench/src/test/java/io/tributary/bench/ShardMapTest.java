package io.tributary.bench;

import io.tributary.bench.ShardMap.KeyMode;
import io.tributary.bench.ShardMap.KeyPool;
import io.tributary.bench.ShardMap.ShardRange;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ShardMapTest {

    private static ShardMap evenSplit(int shards) {
        BigInteger space = BigInteger.ONE.shiftLeft(128);
        BigInteger width = space.divide(BigInteger.valueOf(shards));
        List<ShardRange> ranges = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            BigInteger start = width.multiply(BigInteger.valueOf(i));
            BigInteger end = i == shards - 1 ? space.subtract(BigInteger.ONE) : start.add(width).subtract(BigInteger.ONE);
            ranges.add(new ShardRange("shardId-" + i, start, end));
        }
        return new ShardMap(ranges);
    }

    @Test
    void hashKeyIsTheUnsignedMd5OfThePartitionKey() {
        // md5("a") = 0cc175b9c0f1b6a831c399e269772661, md5("b") starts with 0x92: the sign bit must not matter
        assertEquals(new BigInteger("0cc175b9c0f1b6a831c399e269772661", 16), ShardMap.md5HashKey("a"));
        assertEquals(new BigInteger("92eb5ffee6ae2fec3ad71c777531578f", 16), ShardMap.md5HashKey("b"));
        assertEquals(0, evenSplit(2).indexFor(ShardMap.md5HashKey("a")));
        assertEquals(1, evenSplit(2).indexFor(ShardMap.md5HashKey("b")));
    }

    @Test
    void everyPooledKeyRoutesToItsShard() {
        ShardMap shards = evenSplit(5);
        KeyPool pool = shards.keyPool(KeyMode.MD5, 64, 3);
        for (int s = 0; s < shards.size(); s++) {
            for (int k = 0; k < pool.keysPerShard(); k++) {
                assertEquals(s, shards.indexFor(ShardMap.md5HashKey(pool.partitionKey(s, k))));
                assertNull(pool.explicitHashKey(s, k));
            }
        }
    }

    @Test
    void explicitHashKeysLieInsideTheirShard() {
        ShardMap shards = evenSplit(7);
        KeyPool pool = shards.keyPool(KeyMode.EXPLICIT, 64, 3);
        for (int s = 0; s < shards.size(); s++) {
            for (int k = 0; k < pool.keysPerShard(); k++) {
                assertEquals(s, shards.indexFor(new BigInteger(pool.explicitHashKey(s, k))));
            }
        }
    }
}
