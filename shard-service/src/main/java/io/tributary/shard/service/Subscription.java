package io.tributary.shard.service;

import io.tributary.shard.LogException;
import io.tributary.shard.LogRecord;
import io.tributary.shard.ReadResult;
import io.tributary.shard.config.ShardServiceConfig;

import java.util.List;

/**
 * A push subscription to one shard with credit-based flow control: records are sent only against credit
 * the subscriber granted, and only while the transport is ready, so what the server holds for a slow
 * subscriber is at most one message. Live records come from the shard's tail the moment they are
 * committed; a subscriber that fell behind the tail is served from PostgreSQL until it catches up.
 *
 * <p>When the shard is closed (split or merged) and the subscriber has everything it held, a last message
 * names the child shards ({@link ReadResult#shardEnded()}) and the subscription ends.
 *
 * <p>{@link #pump()} may be called from any thread; one pass runs at a time and a call during a pass
 * makes the pass run again.
 */
public final class Subscription {

    private final ReadService reads;
    private final ReadService.OpenShard open;
    private final SubscriptionSink sink;
    private final ShardServiceConfig.Subscribe limits;
    /** Arrival time before which records have expired (the stream's retention). */
    private final java.util.function.LongSupplier cutoff;

    private final Runnable wakeUp = this::wokenUp;
    private long next;
    private long credits;
    /** Registered with the shard's log for its next commit: at most once, however often it is pumped. */
    private boolean waiting;
    private boolean pumping;
    private boolean again;
    private boolean closed;

    Subscription(ReadService reads, ReadService.OpenShard open, long start, SubscriptionSink sink,
                 ShardServiceConfig.Subscribe limits, java.util.function.LongSupplier cutoff) {
        this.cutoff = cutoff;
        this.reads = reads;
        this.open = open;
        this.next = start;
        this.sink = sink;
        this.limits = limits;
    }

    /** Where this subscription delivers. */
    public SubscriptionSink sink() {
        return sink;
    }

    /** Adds credit (records); the total is capped at the configured maximum. */
    public void grant(long records) {
        synchronized (this) {
            if (records > 0) {
                credits = Math.min(limits.maxCredits(), credits + records);
            }
        }
        pump();
    }

    /** Stops the subscription; nothing more is sent. */
    public void cancel() {
        synchronized (this) {
            closed = true;
        }
        open.log().cancelWait(wakeUp);
    }

    private void wokenUp() {
        synchronized (this) {
            waiting = false;
        }
        pump();
    }

    /** Sends what credit, readiness and the log allow. */
    public void pump() {
        synchronized (this) {
            if (pumping) {
                again = true;
                return;
            }
            if (closed) {
                return;
            }
            pumping = true;
            again = false;
        }
        pass();
    }

    private void pass() {
        while (true) {
            long from;
            int wanted;
            ShardLog log = open.log();
            synchronized (this) {
                boolean ended = !closed && sink.isReady() && log.endsBefore(next);
                if (closed || (credits <= 0 && !ended) || !sink.isReady()) {
                    if (finishPass()) {
                        continue;
                    }
                    return;
                }
                from = next;
                wanted = (int) Math.min(credits, limits.maxRecordsPerMessage());
            }
            if (log.endsBefore(from)) {
                // A closed shard read to its end: one last message names its children, then the stream ends.
                deliver(ReadService.result(log, List.of(), from, log.committedNext(), log.headArrivalMillis()));
                continue;
            }
            if (from >= log.committedNext()) {
                boolean register;
                synchronized (this) {
                    register = !waiting;
                    waiting = true;
                }
                if (register) {
                    log.awaitCommitted(from, wakeUp);
                }
                if (finishPassSynchronized()) {
                    continue;
                }
                return;
            }
            long unexpired = log.skipExpired(from, cutoff.getAsLong());
            if (unexpired != from) {
                synchronized (this) {
                    next = Math.max(next, unexpired);
                }
                continue;
            }
            List<LogRecord> tail = log.readTail(from, wanted, limits.maxBytesPerMessage());
            if (tail != null) {
                deliver(ReadService.result(log, tail, from, log.committedNext(), log.headArrivalMillis()));
                continue;
            }
            // Behind the tail: read storage, then carry on from the completion.
            reads.readFrom(open, from, wanted, limits.maxBytesPerMessage()).subscribe().with(result -> {
                deliver(result);
                pass();
            }, e -> fail(StorageErrors.asLogException(e)));
            return;
        }
    }

    private void deliver(ReadResult result) {
        synchronized (this) {
            if (closed) {
                return;
            }
            credits -= result.records().size();
            next = result.nextPosition();
            if (result.shardEnded()) {
                closed = true;
                pumping = false;
            }
        }
        if (!result.records().isEmpty() || result.shardEnded()) {
            sink.send(result);
        }
    }

    private void fail(LogException e) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pumping = false;
        }
        sink.fail(e);
    }

    private synchronized boolean finishPassSynchronized() {
        return finishPass();
    }

    /** Ends a pass unless a pump() arrived during it; must hold the monitor. */
    private boolean finishPass() {
        if (again && !closed) {
            again = false;
            return true;
        }
        pumping = false;
        return false;
    }
}
