package io.tributary.shard.service;

import io.tributary.shard.AppendResult;
import io.tributary.shard.LogException;

/**
 * Outcome of an append, in two steps. {@link #queued()} comes first, as soon as the batch holds its place
 * in its shard's commit order (or was refused); an append stream asks for its next batch only then, which
 * keeps a producer's batches in order without waiting for commits. Exactly one of {@link #committed} and
 * {@link #failed} follows.
 *
 * <p>A callback rather than a {@code Uni} because the hot path needs both signals for every batch.
 */
public interface AppendCallback {

    void queued();

    /** The batch is committed: durable in PostgreSQL. */
    void committed(AppendResult result);

    /** The batch was refused or could not be stored; nothing of it is readable. */
    void failed(LogException error);
}
