package io.tributary.shard;

/**
 * A request the log refused. The reason is stable and mapped to the error of each public API; the
 * message says what was wrong and what is allowed. Nothing was changed when this is thrown.
 */
public class LogException extends RuntimeException {

    private final Reason reason;

    public LogException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** Why a request was refused. */
    public enum Reason {
        STREAM_NOT_FOUND,
        SHARD_NOT_FOUND,
        STREAM_ALREADY_EXISTS,
        STREAM_NOT_ACTIVE,
        INVALID_ARGUMENT,
        INVALID_PARTITION_KEY,
        INVALID_HASH_KEY,
        RECORD_TOO_LARGE,
        WRONG_SHARD,
        SHARD_CLOSED,
        INVALID_POSITION,
        LIMIT_EXCEEDED,
        UNAVAILABLE,
        STORAGE_FAILURE,
        LEASE_LOST,
        GROUP_NOT_FOUND,
        KEY_UNAVAILABLE,
        NOT_OWNER
    }
}
