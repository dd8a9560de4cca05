package io.tributary.shard;

import java.math.BigInteger;

/** An inclusive range of 128-bit hash keys. */
public record HashKeyRange(BigInteger start, BigInteger end) {

    public boolean contains(BigInteger key) {
        return key.compareTo(start) >= 0 && key.compareTo(end) <= 0;
    }
}
