package io.tributary.connector;

/**
 * Where a consumed record came from, attached to every incoming message.
 *
 * @param shardId              the shard it was read from
 * @param sequenceNumber       its sequence number
 * @param partitionKey         its partition key
 * @param arrivalTimestampMillis when the log stored it
 */
public record IncomingTributaryMetadata(String stream, String shardId, String sequenceNumber, String partitionKey,
                                        long arrivalTimestampMillis) {
}
