package io.tributary.shard.storage;

import com.google.protobuf.UnsafeByteOperations;
import io.tributary.batch.MalformedBatchException;
import io.tributary.batch.RecordBatchReader;
import io.tributary.shard.LogRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the stored payload of a batch ({@code record_batches.payload}, in the encoding of
 * {@link io.tributary.batch.RecordBatchFormat}) back into records. A batch's records hold consecutive
 * positions from the row's {@code first_position} and share its arrival time, which are not repeated in
 * the payload.
 */
public final class RecordBatchCodec {

    private RecordBatchCodec() {
    }

    /**
     * Decodes the records of a stored batch whose positions are at least {@code fromPosition}, after
     * checking its checksum.
     *
     * @throws CorruptBatchException when the bytes are not a valid batch
     */
    public static List<LogRecord> decode(byte[] payload, long firstPosition, long arrivalMillis, long fromPosition) {
        return decode(payload, firstPosition, arrivalMillis, fromPosition, false);
    }

    /** As {@link #decode(byte[], long, long, long)}, for a batch that was stored encrypted (and is decrypted). */
    public static List<LogRecord> decode(byte[] payload, long firstPosition, long arrivalMillis, long fromPosition,
                                         boolean encrypted) {
        List<LogRecord> records = new ArrayList<>();
        try {
            RecordBatchReader.read(payload, (i, batch, keyOffset, keyLength, dataOffset, dataLength) -> {
                long position = firstPosition + i;
                if (position >= fromPosition) {
                    // The payload array is never modified after decoding, so records may share it.
                    records.add(new LogRecord(position, UnsafeByteOperations.unsafeWrap(batch, keyOffset, keyLength),
                            UnsafeByteOperations.unsafeWrap(batch, dataOffset, dataLength), arrivalMillis, encrypted));
                }
            });
        } catch (MalformedBatchException e) {
            throw new CorruptBatchException("batch at position " + firstPosition + " is corrupt: " + e.getMessage());
        }
        return records;
    }

    /** Stored bytes that are not a valid batch. */
    public static final class CorruptBatchException extends RuntimeException {
        public CorruptBatchException(String message) {
            super(message);
        }
    }
}
