package io.tributary.batch;

/**
 * Reads encoded batches (see {@link RecordBatchFormat}) in place: records are reported as offsets into
 * the batch's array, so nothing is copied or allocated per record.
 */
public final class RecordBatchReader {

    private RecordBatchReader() {
    }

    /** Receives the records of a batch in order. */
    @FunctionalInterface
    public interface RecordVisitor {
        /**
         * @param index      0-based index of the record in the batch
         * @param batch      the whole encoded batch
         * @param keyOffset  where the partition key's UTF-8 bytes start
         * @param keyLength  their number
         * @param dataOffset where the data starts
         * @param dataLength its length
         */
        void record(int index, byte[] batch, int keyOffset, int keyLength, int dataOffset, int dataLength);
    }

    /**
     * The record count of a batch after checking its version and checksum.
     *
     * @throws MalformedBatchException when the batch is not valid
     */
    public static int verify(byte[] batch) {
        checkEnvelope(batch);
        int[] cursor = {1};
        return readCount(batch, cursor);
    }

    /**
     * Checks a whole batch (version, checksum, every length) and reports its records in order.
     *
     * @return the record count
     * @throws MalformedBatchException when the batch is not valid; records may have been reported before
     *                                 a structural error further on is found
     */
    public static int read(byte[] batch, RecordVisitor visitor) {
        checkEnvelope(batch);
        return readRecords(batch, visitor);
    }

    /**
     * Like {@link #read} but without checking the checksum, for batches already verified once and kept in
     * memory since.
     */
    public static int readVerified(byte[] batch, RecordVisitor visitor) {
        if (batch.length < RecordBatchFormat.MIN_SIZE || batch[0] != RecordBatchFormat.VERSION) {
            throw new MalformedBatchException("not a record batch of format version " + RecordBatchFormat.VERSION);
        }
        return readRecords(batch, visitor);
    }

    private static int readRecords(byte[] batch, RecordVisitor visitor) {
        int end = batch.length - RecordBatchFormat.CHECKSUM_BYTES;
        int[] cursor = {1};
        int count = readCount(batch, cursor);
        for (int i = 0; i < count; i++) {
            int keyLength = getVarint(batch, cursor, end);
            int keyOffset = cursor[0];
            if (keyLength > end - keyOffset) {
                throw new MalformedBatchException("record " + i + ": key runs past the end of the batch");
            }
            cursor[0] = keyOffset + keyLength;
            int dataLength = getVarint(batch, cursor, end);
            int dataOffset = cursor[0];
            if (dataLength > end - dataOffset) {
                throw new MalformedBatchException("record " + i + ": data runs past the end of the batch");
            }
            cursor[0] = dataOffset + dataLength;
            visitor.record(i, batch, keyOffset, keyLength, dataOffset, dataLength);
        }
        if (cursor[0] != end) {
            throw new MalformedBatchException((end - cursor[0]) + " bytes follow the last of the " + count
                    + " records the batch announces");
        }
        return count;
    }

    private static void checkEnvelope(byte[] batch) {
        if (batch.length < RecordBatchFormat.MIN_SIZE) {
            throw new MalformedBatchException("a batch of " + batch.length + " bytes is shorter than the minimum of "
                    + RecordBatchFormat.MIN_SIZE);
        }
        if (batch[0] != RecordBatchFormat.VERSION) {
            throw new MalformedBatchException("batch format version " + batch[0] + " is not supported (only "
                    + RecordBatchFormat.VERSION + ")");
        }
        int end = batch.length - RecordBatchFormat.CHECKSUM_BYTES;
        if (RecordBatchFormat.checksum(batch, end) != RecordBatchFormat.getInt(batch, end)) {
            throw new MalformedBatchException("the batch fails its CRC32C checksum");
        }
    }

    private static int readCount(byte[] batch, int[] cursor) {
        int count = getVarint(batch, cursor, batch.length - RecordBatchFormat.CHECKSUM_BYTES);
        if (count < 1) {
            throw new MalformedBatchException("a batch holds at least one record");
        }
        return count;
    }

    private static int getVarint(byte[] in, int[] cursor, int end) {
        int result = 0;
        int p = cursor[0];
        for (int shift = 0; shift < 35; shift += 7) {
            if (p >= end) {
                throw new MalformedBatchException("a length runs past the end of the batch");
            }
            byte b = in[p++];
            result |= (b & 0x7f) << shift;
            if (b >= 0) {
                if (result < 0 || (shift == 28 && (b & 0x70) != 0)) {
                    throw new MalformedBatchException("a length in the batch is out of range");
                }
                cursor[0] = p;
                return result;
            }
        }
        throw new MalformedBatchException("a length in the batch is longer than 5 bytes");
    }
}
