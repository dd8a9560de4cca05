package io.tributary.shard;

/** Where a read or subscription starts. */
public record Position(Type type, String sequenceNumber, long timestampMillis) {

    public enum Type {
        TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP
    }

    public static Position trimHorizon() {
        return new Position(Type.TRIM_HORIZON, null, 0);
    }

    public static Position latest() {
        return new Position(Type.LATEST, null, 0);
    }

    public static Position after(String sequenceNumber) {
        return new Position(Type.AFTER_SEQUENCE_NUMBER, sequenceNumber, 0);
    }
}
