package io.tributary.shard;

/** Lifecycle of a stream, as Kinesis reports it. */
public enum StreamStatus {
    CREATING, ACTIVE, UPDATING, DELETING
}
