package io.tributary.shard.service;

import io.tributary.shard.LogException;
import io.tributary.shard.ReadResult;

/** Where a {@link Subscription} delivers. Calls never overlap. */
public interface SubscriptionSink {

    /** Whether the transport can take another message now without buffering it. */
    boolean isReady();

    /**
     * Sends records. A result with {@link ReadResult#shardEnded()} is the last one: the shard is closed and
     * read to its end; the sink ends its stream after it.
     */
    void send(ReadResult result);

    /** The subscription ended with an error; nothing more is sent. */
    void fail(LogException error);
}
