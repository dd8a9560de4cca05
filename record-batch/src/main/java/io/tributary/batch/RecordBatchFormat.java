package io.tributary.batch;

import java.util.zip.CRC32C;

/**
 * The binary encoding of a batch of records: what a producer sends in {@code AppendRequest.encoded_records}
 * and what the log stores, byte for byte, as a batch's payload.
 *
 * <pre>
 * byte     format version (1)
 * varint   record count (at least 1)
 * count × { varint key length, partition key (UTF-8), varint data length, data }
 * int32    CRC32C of all bytes before it, big-endian
 * </pre>
 *
 * Varints are unsigned LEB128 of at most 5 bytes holding a non-negative {@code int}. Positions and
 * arrival times are not part of the encoding: the log gives a batch's records consecutive positions and
 * one arrival time, kept beside the payload. The checksum covers the records from the producer to the
 * disk and back, so corruption anywhere on the way is an error instead of wrong records.
 */
public final class RecordBatchFormat {

    /** The only version written and read. */
    public static final byte VERSION = 1;
    /** Bytes of the trailing checksum. */
    public static final int CHECKSUM_BYTES = 4;
    /** Smallest possible batch: version, count, one record with an empty key and no data, checksum. */
    public static final int MIN_SIZE = 1 + 1 + 2 + CHECKSUM_BYTES;

    private RecordBatchFormat() {
    }

    /** Bytes a varint of {@code value} takes. */
    public static int varintSize(int value) {
        int n = 1;
        while ((value & ~0x7f) != 0) {
            value >>>= 7;
            n++;
        }
        return n;
    }

    /** Writes {@code value} as a varint at {@code position}; returns the position after it. */
    public static int putVarint(byte[] out, int position, int value) {
        while ((value & ~0x7f) != 0) {
            out[position++] = (byte) ((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out[position++] = (byte) value;
        return position;
    }

    /**
     * A new batch holding {@code count} consecutive records of {@code batch}, whose encodings occupy
     * {@code batch[from .. to)} (from the first record's key-length varint to the end of the last record's
     * data): the records' bytes are copied once, behind a new header and before a new checksum.
     */
    public static byte[] slice(byte[] batch, int from, int to, int count) {
        int length = to - from;
        int header = 1 + varintSize(count);
        byte[] out = new byte[header + length + CHECKSUM_BYTES];
        out[0] = VERSION;
        putVarint(out, 1, count);
        System.arraycopy(batch, from, out, header, length);
        putInt(out, header + length, checksum(out, header + length));
        return out;
    }

    /** CRC32C of {@code buffer[0 .. length)}. */
    static int checksum(byte[] buffer, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buffer, 0, length);
        return (int) crc.getValue();
    }

    static void putInt(byte[] out, int position, int value) {
        out[position] = (byte) (value >>> 24);
        out[position + 1] = (byte) (value >>> 16);
        out[position + 2] = (byte) (value >>> 8);
        out[position + 3] = (byte) value;
    }

    static int getInt(byte[] in, int position) {
        return ((in[position] & 0xff) << 24) | ((in[position + 1] & 0xff) << 16)
                | ((in[position + 2] & 0xff) << 8) | (in[position + 3] & 0xff);
    }
}
