package io.tributary.ingest.service;

/**
 * What happened to one record: stored (shard id and sequence number) or not (an error code and message
 * in the terms of PutRecords).
 */
public record RecordResult(String shardId, String sequenceNumber, String errorCode, String errorMessage) {

    public static RecordResult stored(String shardId, String sequenceNumber) {
        return new RecordResult(shardId, sequenceNumber, null, null);
    }

    public static RecordResult failed(String errorCode, String errorMessage) {
        return new RecordResult(null, null, errorCode, errorMessage);
    }

    public boolean isStored() {
        return errorCode == null;
    }
}
