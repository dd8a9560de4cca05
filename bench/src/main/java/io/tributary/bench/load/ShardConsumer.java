package io.tributary.bench.load;

/** A consumer of one shard, whatever API it reads through. */
public interface ShardConsumer {

    /** Why it failed, or {@code null} while it works. */
    String failure();

    /** What its sessions did (e.g. SubscribeToShard renewals), for the results; {@code null} when nothing to say. */
    default String sessionSummary() {
        return null;
    }

    /** Stops it and waits (bounded) until it has. */
    void close() throws InterruptedException;
}
