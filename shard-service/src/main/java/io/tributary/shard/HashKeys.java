package io.tributary.shard;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The 128-bit hash key space of a stream: a partition key maps to the MD5 of its UTF-8 bytes read as an
 * unsigned 128-bit integer, and shards cover {@code 0 … 2^128−1} in contiguous inclusive ranges.
 */
public final class HashKeys {

    public static final BigInteger MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides MD5", e);
        }
    });

    private HashKeys() {
    }

    /** The hash key of a partition key. */
    public static BigInteger ofPartitionKey(String partitionKey) {
        byte[] digest = MD5.get().digest(partitionKey.getBytes(StandardCharsets.UTF_8));
        return new BigInteger(1, digest);
    }

    /**
     * Parses an explicit hash key.
     *
     * @return the key, or {@code null} when the text is not a decimal integer in {@code 0 … 2^128−1}
     */
    public static BigInteger parseExplicit(String text) {
        if (text == null || text.isEmpty() || text.length() > 39) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        BigInteger value = new BigInteger(text);
        return value.compareTo(MAX) > 0 ? null : value;
    }

    /** Splits the whole key space into {@code count} contiguous ranges of (almost) equal size. */
    public static List<HashKeyRange> splitEvenly(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, was " + count);
        }
        BigInteger size = BigInteger.ONE.shiftLeft(128).divide(BigInteger.valueOf(count));
        List<HashKeyRange> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            BigInteger start = size.multiply(BigInteger.valueOf(i));
            BigInteger end = i == count - 1 ? MAX : start.add(size).subtract(BigInteger.ONE);
            ranges.add(new HashKeyRange(start, end));
        }
        return ranges;
    }
}
