package io.tributary.shard;

/**
 * Public sequence numbers.
 *
 * <p>Inside a shard every record gets a position {@code n}: a 64-bit counter that only grows and is
 * never reused, also across restarts. Its public form is the decimal string
 * {@code "1" + n (20 digits) + shard index (8 digits)}: 29 digits, so sequence numbers compare the same
 * way as text and as numbers, are strictly increasing within a shard and unique within a stream (the
 * shard index is part of them), and a number sent back by a client tells which shard it came from.
 */
public final class SequenceNumbers {

    /** Number of decimal digits of every sequence number. */
    public static final int LENGTH = 29;
    private static final long MAX_SHARD_INDEX = 99_999_999L;

    private SequenceNumbers() {
    }

    public static String format(long position, int shardIndex) {
        return new String(digits(position, shardIndex), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /**
     * The sequence number as its ASCII bytes: what goes on the wire, without building a string first
     * (this runs once per acknowledged and per delivered record).
     */
    public static com.google.protobuf.ByteString formatBytes(long position, int shardIndex) {
        return com.google.protobuf.UnsafeByteOperations.unsafeWrap(digits(position, shardIndex));
    }

    private static byte[] digits(long position, int shardIndex) {
        if (position < 0 || shardIndex < 0 || shardIndex > MAX_SHARD_INDEX) {
            throw new IllegalArgumentException("position " + position + " / shard index " + shardIndex);
        }
        // Written digit by digit into one array: this runs once per record on every acknowledgement and
        // every pushed record, where Long.toString plus padding showed up in profiles.
        byte[] digits = new byte[LENGTH];
        digits[0] = '1';
        long p = position;
        for (int i = 20; i >= 1; i--) {
            digits[i] = (byte) ('0' + (int) (p % 10));
            p /= 10;
        }
        int s = shardIndex;
        for (int i = LENGTH - 1; i >= 21; i--) {
            digits[i] = (byte) ('0' + s % 10);
            s /= 10;
        }
        return digits;
    }

    /**
     * Parses a public sequence number.
     *
     * @return the position and shard index, or {@code null} when the text is not a Tributary sequence
     *         number
     */
    public static Parsed parse(String text) {
        if (text == null || text.length() != LENGTH || text.charAt(0) != '1') {
            return null;
        }
        for (int i = 1; i < LENGTH; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        String positionDigits = text.substring(1, 21);
        long position;
        try {
            position = Long.parseLong(positionDigits);
        } catch (NumberFormatException e) {
            return null;
        }
        int shardIndex = Integer.parseInt(text.substring(21));
        return new Parsed(position, shardIndex);
    }

    /** A parsed sequence number. */
    public record Parsed(long position, int shardIndex) {
    }
}
