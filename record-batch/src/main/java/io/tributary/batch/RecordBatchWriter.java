package io.tributary.batch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one encoded batch (see {@link RecordBatchFormat}) record by record into a growing buffer.
 * {@link #finish()} returns the batch and resets the writer, so one writer can build batch after batch
 * without reallocating its buffer. Not thread-safe.
 */
public final class RecordBatchWriter {

    // Room for the version byte and the largest count varint in front of the records.
    private static final int HEADER_RESERVE = 1 + 5;

    private byte[] buffer;
    private int position = HEADER_RESERVE;
    private int count;

    public RecordBatchWriter() {
        this(4096);
    }

    /** @param initialCapacity expected encoded size, to avoid growing the buffer */
    public RecordBatchWriter(int initialCapacity) {
        buffer = new byte[Math.max(initialCapacity, HEADER_RESERVE + 16) + RecordBatchFormat.CHECKSUM_BYTES];
    }

    /** Adds a record; returns the bytes it adds to the encoding. */
    public int add(String partitionKey, byte[] data) {
        byte[] key = partitionKey.getBytes(StandardCharsets.UTF_8);
        return add(key, 0, key.length, data, 0, data.length);
    }

    /** Adds a record given as slices of arrays; returns the bytes it adds to the encoding. */
    public int add(byte[] key, int keyOffset, int keyLength, byte[] data, int dataOffset, int dataLength) {
        int size = encodedSize(keyLength, dataLength);
        ensure(size);
        position = RecordBatchFormat.putVarint(buffer, position, keyLength);
        System.arraycopy(key, keyOffset, buffer, position, keyLength);
        position += keyLength;
        position = RecordBatchFormat.putVarint(buffer, position, dataLength);
        System.arraycopy(data, dataOffset, buffer, position, dataLength);
        position += dataLength;
        count++;
        return size;
    }

    /** Adds a record whose data are the remaining bytes of a buffer (left untouched); returns the bytes it adds. */
    public int add(byte[] key, int keyOffset, int keyLength, ByteBuffer data) {
        int dataLength = data.remaining();
        int size = encodedSize(keyLength, dataLength);
        ensure(size);
        position = RecordBatchFormat.putVarint(buffer, position, keyLength);
        System.arraycopy(key, keyOffset, buffer, position, keyLength);
        position += keyLength;
        position = RecordBatchFormat.putVarint(buffer, position, dataLength);
        data.duplicate().get(buffer, position, dataLength);
        position += dataLength;
        count++;
        return size;
    }

    /** Bytes a record with these lengths adds to an encoded batch. */
    public static int encodedSize(int keyLength, int dataLength) {
        return RecordBatchFormat.varintSize(keyLength) + keyLength + RecordBatchFormat.varintSize(dataLength) + dataLength;
    }

    /** Records added since the last {@link #finish()}. */
    public int count() {
        return count;
    }

    /** Size the batch would have if finished now. */
    public int size() {
        return 1 + RecordBatchFormat.varintSize(count) + (position - HEADER_RESERVE) + RecordBatchFormat.CHECKSUM_BYTES;
    }

    /**
     * The encoded batch of the records added since the last call, as a new array of exactly its size.
     *
     * @throws IllegalStateException when no record was added
     */
    public byte[] finish() {
        if (count == 0) {
            throw new IllegalStateException("a batch holds at least one record");
        }
        int bodyLength = position - HEADER_RESERVE;
        byte[] out = new byte[size()];
        out[0] = RecordBatchFormat.VERSION;
        int p = RecordBatchFormat.putVarint(out, 1, count);
        System.arraycopy(buffer, HEADER_RESERVE, out, p, bodyLength);
        p += bodyLength;
        RecordBatchFormat.putInt(out, p, RecordBatchFormat.checksum(out, p));
        position = HEADER_RESERVE;
        count = 0;
        return out;
    }

    private void ensure(int more) {
        long needed = (long) position + more + RecordBatchFormat.CHECKSUM_BYTES;
        if (needed > buffer.length) {
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("a batch cannot exceed 2 GiB");
            }
            buffer = Arrays.copyOf(buffer, (int) Math.max(needed, Math.min(Integer.MAX_VALUE - 16, buffer.length * 2L)));
        }
    }
}
