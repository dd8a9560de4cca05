package io.tributary.shard;

import com.google.protobuf.ByteString;

/**
 * A committed record: its position in the shard, its partition key (UTF-8 bytes), its data and its
 * server arrival time. Key and data usually share the array of the stored batch instead of copies.
 *
 * @param encrypted whether it is stored encrypted at rest (Kinesis's per-record EncryptionType KMS)
 */
public record LogRecord(long position, ByteString partitionKey, ByteString data, long arrivalMillis, boolean encrypted) {

    /** The partition key as text. */
    public String partitionKeyString() {
        return partitionKey.toStringUtf8();
    }
}
