package io.tributary.ingest.service;

import com.google.protobuf.ByteString;

/**
 * What happened to one record: stored (shard id and sequence number) or not (an error code and message
 * in the terms of PutRecords).
 *
 * @param sequenceNumberUtf8 the sequence number as shard-service's acknowledgement carries it (UTF-8 digits),
 *                           so that an answer can write it without decoding and encoding it again
 */
public record RecordResult(String shardId, ByteString sequenceNumberUtf8, String errorCode, String errorMessage) {

    public static RecordResult stored(String shardId, ByteString sequenceNumberUtf8) {
        return new RecordResult(shardId, sequenceNumberUtf8, null, null);
    }

    public static RecordResult failed(String errorCode, String errorMessage) {
        return new RecordResult(null, null, errorCode, errorMessage);
    }

    public boolean isStored() {
        return errorCode == null;
    }

    /** The sequence number of a stored record, or {@code null}. */
    public String sequenceNumber() {
        return sequenceNumberUtf8 == null ? null : sequenceNumberUtf8.toStringUtf8();
    }
}
