package io.tributary.shard;

import com.google.protobuf.ByteString;

/** A committed record: its position in the shard, its key, its bytes and its server arrival time. */
public record LogRecord(long position, String partitionKey, ByteString data, long arrivalMillis) {
}
