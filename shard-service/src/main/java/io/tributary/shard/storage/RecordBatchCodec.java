package io.tributary.shard.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.shard.LogRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The binary form of a batch's records in {@code record_batches.payload}.
 *
 * <pre>
 * byte     format version (1)
 * varint   record count
 * count × { varint key length, key (UTF-8), varint data length, data }
 * int32    CRC32C of all bytes before it, big-endian
 * </pre>
 *
 * Positions and arrival time are not repeated per record: a batch's records hold consecutive positions
 * from the row's {@code first_position} and share its arrival time. The checksum turns silent corruption
 * of stored data into an error instead of wrong records.
 */
public final class RecordBatchCodec {

    static final byte VERSION = 1;

    private RecordBatchCodec() {
    }

    /** Encodes records given as UTF-8 keys and data. */
    public static byte[] encode(byte[][] keys, ByteString[] data) {
        int size = 1 + varintSize(keys.length) + 4;
        for (int i = 0; i < keys.length; i++) {
            size += varintSize(keys[i].length) + keys[i].length + varintSize(data[i].size()) + data[i].size();
        }
        byte[] out = new byte[size];
        int p = 0;
        out[p++] = VERSION;
        p = putVarint(out, p, keys.length);
        for (int i = 0; i < keys.length; i++) {
            p = putVarint(out, p, keys[i].length);
            System.arraycopy(keys[i], 0, out, p, keys[i].length);
            p += keys[i].length;
            p = putVarint(out, p, data[i].size());
            data[i].copyTo(out, p);
            p += data[i].size();
        }
        CRC32C crc = new CRC32C();
        crc.update(out, 0, p);
        int c = (int) crc.getValue();
        out[p++] = (byte) (c >>> 24);
        out[p++] = (byte) (c >>> 16);
        out[p++] = (byte) (c >>> 8);
        out[p] = (byte) c;
        return out;
    }

    /**
     * Decodes the records of a stored batch whose positions are at least {@code fromPosition}.
     *
     * @throws CorruptBatchException when the bytes are not a valid batch
     */
    public static List<LogRecord> decode(byte[] payload, long firstPosition, long arrivalMillis, long fromPosition) {
        if (payload.length < 6 || payload[0] != VERSION) {
            throw new CorruptBatchException("batch at position " + firstPosition + " has an unknown format");
        }
        int end = payload.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(payload, 0, end);
        int stored = ((payload[end] & 0xff) << 24) | ((payload[end + 1] & 0xff) << 16)
                | ((payload[end + 2] & 0xff) << 8) | (payload[end + 3] & 0xff);
        if ((int) crc.getValue() != stored) {
            throw new CorruptBatchException("batch at position " + firstPosition + " fails its checksum");
        }
        int[] cursor = {1};
        int count = getVarint(payload, cursor, end);
        List<LogRecord> records = new ArrayList<>((int) Math.max(0, Math.min(count, firstPosition + count - fromPosition)));
        for (int i = 0; i < count; i++) {
            int keyLength = getVarint(payload, cursor, end);
            int keyStart = cursor[0];
            cursor[0] += keyLength;
            int dataLength = getVarint(payload, cursor, end);
            int dataStart = cursor[0];
            cursor[0] += dataLength;
            if (cursor[0] > end) {
                throw new CorruptBatchException("batch at position " + firstPosition + " is truncated");
            }
            long position = firstPosition + i;
            if (position >= fromPosition) {
                String key = new String(payload, keyStart, keyLength, StandardCharsets.UTF_8);
                // The payload array is never modified after decoding, so records may share it.
                ByteString data = UnsafeByteOperations.unsafeWrap(payload, dataStart, dataLength);
                records.add(new LogRecord(position, key, data, arrivalMillis));
            }
        }
        return records;
    }

    static int varintSize(int v) {
        int n = 1;
        while ((v & ~0x7f) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    private static int putVarint(byte[] out, int p, int v) {
        while ((v & ~0x7f) != 0) {
            out[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out[p++] = (byte) v;
        return p;
    }

    private static int getVarint(byte[] in, int[] cursor, int end) {
        int result = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            if (cursor[0] >= end) {
                throw new CorruptBatchException("varint runs past the end of the batch");
            }
            byte b = in[cursor[0]++];
            result |= (b & 0x7f) << shift;
            if (b >= 0) {
                if (result < 0) {
                    throw new CorruptBatchException("negative length in batch");
                }
                return result;
            }
        }
        throw new CorruptBatchException("varint too long in batch");
    }

    /** Stored bytes that are not a valid batch. */
    public static final class CorruptBatchException extends RuntimeException {
        public CorruptBatchException(String message) {
            super(message);
        }
    }
}
