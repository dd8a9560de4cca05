package io.tributary.shard;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/**
 * An inclusive range of 128-bit hash keys. Besides {@link BigInteger} bounds it keeps them as 16-byte
 * big-endian arrays, so that the per-record check on the append path compares an MD5 digest directly,
 * without building a {@code BigInteger} for every record.
 */
public final class HashKeyRange {

    private final BigInteger start;
    private final BigInteger end;
    private final byte[] startBytes;
    private final byte[] endBytes;

    public HashKeyRange(BigInteger start, BigInteger end) {
        this.start = Objects.requireNonNull(start);
        this.end = Objects.requireNonNull(end);
        this.startBytes = HashKeys.toBytes(start);
        this.endBytes = HashKeys.toBytes(end);
    }

    public BigInteger start() {
        return start;
    }

    public BigInteger end() {
        return end;
    }

    public boolean contains(BigInteger key) {
        return key.compareTo(start) >= 0 && key.compareTo(end) <= 0;
    }

    /** Whether a 16-byte big-endian unsigned key (an MD5 digest) is in the range. */
    public boolean contains(byte[] key) {
        return Arrays.compareUnsigned(key, startBytes) >= 0 && Arrays.compareUnsigned(key, endBytes) <= 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HashKeyRange r && r.start.equals(start) && r.end.equals(end);
    }

    @Override
    public int hashCode() {
        return start.hashCode() * 31 + end.hashCode();
    }

    @Override
    public String toString() {
        return start + " .. " + end;
    }
}
