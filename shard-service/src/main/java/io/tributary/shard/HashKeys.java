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
        return new BigInteger(1, digest(partitionKey.getBytes(StandardCharsets.UTF_8)));
    }

    /** The hash key of a partition key given as UTF-8 bytes, as 16 big-endian bytes. */
    public static byte[] digest(byte[] partitionKeyUtf8) {
        return MD5.get().digest(partitionKeyUtf8);
    }

    /** Writes the hash key of a partition key's UTF-8 bytes ({@code key[offset ..]}) into {@code out[0 .. 16)}. */
    public static void digest(byte[] key, int offset, int length, byte[] out) {
        MessageDigest md5 = MD5.get();
        md5.update(key, offset, length);
        try {
            md5.digest(out, 0, 16);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("an MD5 digest is 16 bytes", e);
        }
    }

    /** A key of the space as 16 big-endian bytes. */
    public static byte[] toBytes(BigInteger key) {
        if (key.signum() < 0 || key.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(key + " is outside the hash key space");
        }
        byte[] raw = key.toByteArray();
        byte[] out = new byte[16];
        int copy = Math.min(16, raw.length);
        System.arraycopy(raw, raw.length - copy, out, 16 - copy, copy);
        return out;
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
