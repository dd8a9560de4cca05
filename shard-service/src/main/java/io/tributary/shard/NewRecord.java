package io.tributary.shard;

import com.google.protobuf.ByteString;

/**
 * A record offered for append. {@code data} is an immutable byte string shared, not copied, between the
 * request, the in-memory tail and the subscribers.
 *
 * @param explicitHashKey decimal hash key overriding the partition key's MD5, or empty
 */
public record NewRecord(String partitionKey, String explicitHashKey, ByteString data) {
}
