package io.tributary.shard.service;

import io.tributary.shard.LogException;
import io.tributary.shard.ReadResult;

/** Where a {@link Subscription} delivers. Calls never overlap. */
public interface SubscriptionSink {

    /** Whether the transport can take another message now without buffering it. */
    boolean isReady();

    void send(ReadResult result);

    /** The subscription ended with an error; nothing more is sent. */
    void fail(LogException error);
}
