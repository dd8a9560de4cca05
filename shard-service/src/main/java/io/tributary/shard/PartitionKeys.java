package io.tributary.shard;

/** Partition keys as UTF-8 bytes, checked without decoding them into strings. */
public final class PartitionKeys {

    /** Longest key in Unicode characters, as Kinesis allows. */
    public static final int MAX_CHARACTERS = 256;

    private PartitionKeys() {
    }

    /**
     * The number of Unicode characters (code points) of a key's UTF-8 bytes.
     *
     * @return the count, or -1 when the bytes are not well-formed UTF-8 (overlong forms, surrogates and
     *         values beyond U+10FFFF included)
     */
    public static int characters(byte[] b, int offset, int length) {
        int end = offset + length;
        int count = 0;
        int i = offset;
        while (i < end) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                i++;
            } else if (c >= 0xc2 && c <= 0xdf) {
                if (i + 1 >= end || !continuation(b[i + 1])) {
                    return -1;
                }
                i += 2;
            } else if (c >= 0xe0 && c <= 0xef) {
                if (i + 2 >= end || !continuation(b[i + 1]) || !continuation(b[i + 2])) {
                    return -1;
                }
                int c1 = b[i + 1] & 0xff;
                if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f)) {
                    return -1; // overlong, or a surrogate
                }
                i += 3;
            } else if (c >= 0xf0 && c <= 0xf4) {
                if (i + 3 >= end || !continuation(b[i + 1]) || !continuation(b[i + 2]) || !continuation(b[i + 3])) {
                    return -1;
                }
                int c1 = b[i + 1] & 0xff;
                if ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f)) {
                    return -1; // overlong, or beyond U+10FFFF
                }
                i += 4;
            } else {
                return -1;
            }
            count++;
        }
        return count;
    }

    private static boolean continuation(byte b) {
        return (b & 0xc0) == 0x80;
    }
}
