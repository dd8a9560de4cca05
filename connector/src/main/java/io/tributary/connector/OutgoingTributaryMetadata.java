package io.tributary.connector;

/**
 * How an outgoing message is written. Without it (or with a null partition key) the channel's
 * {@code partition-key} attribute is used, else a random key per message.
 *
 * @param partitionKey    1 .. 256 characters; its MD5 picks the shard
 * @param explicitHashKey optional decimal 128-bit hash key overriding the partition key's MD5
 */
public record OutgoingTributaryMetadata(String partitionKey, String explicitHashKey) {

    public static OutgoingTributaryMetadata ofKey(String partitionKey) {
        return new OutgoingTributaryMetadata(partitionKey, null);
    }
}
