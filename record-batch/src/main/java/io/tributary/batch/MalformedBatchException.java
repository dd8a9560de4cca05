package io.tributary.batch;

/** Bytes that are not a valid record batch; the message says what is wrong. */
public final class MalformedBatchException extends RuntimeException {

    public MalformedBatchException(String message) {
        super(message);
    }
}
