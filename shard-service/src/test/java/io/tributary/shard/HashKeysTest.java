package io.tributary.shard;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HashKeysTest {

    @Test
    void partitionKeyHashesToMd5AsUnsigned128BitInteger() {
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661
        assertEquals(new BigInteger("0cc175b9c0f1b6a831c399e269772661", 16), HashKeys.ofPartitionKey("a"));
        // A digest with the top bit set must stay positive.
        BigInteger k = HashKeys.ofPartitionKey("partition-7");
        assertEquals(1, k.signum());
    }

    @Test
    void splitsKeySpaceIntoContiguousRangesCoveringEverything() {
        for (int count : new int[]{1, 2, 3, 4, 7, 100}) {
            List<HashKeyRange> ranges = HashKeys.splitEvenly(count);
            assertEquals(count, ranges.size());
            assertEquals(BigInteger.ZERO, ranges.get(0).start());
            assertEquals(HashKeys.MAX, ranges.get(count - 1).end());
            for (int i = 1; i < count; i++) {
                assertEquals(ranges.get(i - 1).end().add(BigInteger.ONE), ranges.get(i).start());
            }
        }
        assertEquals(new BigInteger("170141183460469231731687303715884105727"), HashKeys.splitEvenly(2).get(0).end());
    }

    @Test
    void rejectsExplicitHashKeysOutsideTheKeySpace() {
        assertEquals(HashKeys.MAX, HashKeys.parseExplicit("340282366920938463463374607431768211455"));
        assertNull(HashKeys.parseExplicit("340282366920938463463374607431768211456"));
        assertNull(HashKeys.parseExplicit("-1"));
        assertNull(HashKeys.parseExplicit("12a"));
        assertNull(HashKeys.parseExplicit(""));
    }
}
