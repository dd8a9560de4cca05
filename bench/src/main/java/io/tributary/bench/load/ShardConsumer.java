package io.tributary.bench.load;

/** A consumer of one shard, whatever API it reads through. */
public interface ShardConsumer {

    /** Why it failed, or {@code null} while it works. */
    String failure();

    /** Stops it and waits (bounded) until it has. */
    void close() throws InterruptedException;
}
