package io.tributary.shard.service;

import com.google.protobuf.UnsafeByteOperations;
import io.tributary.batch.RecordBatchReader;
import io.tributary.shard.LogRecord;
import io.tributary.shard.ShardInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The live state of one shard on this instance.
 *
 * <ul>
 *   <li>Writer state ({@link #nextPosition}, {@link #lastArrivalMillis}) is touched only by the commit
 *       pipeline that owns the shard, one group at a time, and by {@link #becomeOwner} while no batch of
 *       the shard can be admitted.</li>
 *   <li>Ownership: the log is the <em>owner</em> while this instance holds the shard's write lease
 *       ({@link #writerEpoch} is its epoch): batches are admitted and every commit wakes subscribers.
 *       Otherwise it is a <em>follower</em>: nothing is admitted, and the committed head advances only when
 *       storage is asked ({@link #follow}).</li>
 *   <li>Committed state (head, tail, waiters) is guarded by this object's monitor: the tail holds the most
 *       recently committed batches, bounded in bytes, so live readers and subscribers never query
 *       PostgreSQL.</li>
 * </ul>
 */
final class ShardLog {

    private final long tailLimitBytes;
    private final long totalLimitBytes;
    private final java.util.concurrent.atomic.AtomicLong totalTailBytes;

    volatile ShardInfo shard;

    // Writer state: owned by the commit pipeline.
    long nextPosition;
    long lastArrivalMillis;

    // Committed state.
    private long committedNext;
    private long headArrivalMillis;
    private long averageBatchBytes;
    private final TreeMap<Long, TailBatch> tail = new TreeMap<>();
    private long tailBytes;
    /** Where a busy shard's tail batches are copied to (see {@link #compact}), and how much of it is used. */
    private byte[] chunk;
    private int chunkUsed;
    private List<Runnable> waiters = new ArrayList<>();

    // Resharding: a sealed shard is given no more positions; it is sealed before it closes, and stays
    // sealed once closed. Guarded by this object's monitor.
    private boolean sealed;
    private int uncommitted;
    private List<Runnable> drainWaiters = new ArrayList<>();
    private volatile List<ShardInfo> children;

    // Ownership, guarded by this object's monitor: the epoch of this instance's write lease, or -1.
    private long writerEpoch = -1;
    /**
     * Whether, for a closed shard, {@link #committedNext} is known to be its end: false from the moment the
     * log learns the shard closed until storage has been asked (another instance may have committed
     * batches this log never saw).
     */
    private boolean endKnown = true;
    /** Set by {@link #admit} for the pipeline thread that called it: first position and epoch of the batch. */
    long admittedFirst;
    long admittedEpoch;

    /** What {@link #admit} decided. */
    enum Admission { ADMITTED, SEALED, NOT_OWNED }

    ShardLog(ShardInfo shard, long lastCommittedPosition, long lastArrivalMillis, long tailLimitBytes,
             long totalLimitBytes, java.util.concurrent.atomic.AtomicLong totalTailBytes) {
        this.shard = shard;
        this.tailLimitBytes = tailLimitBytes;
        this.totalLimitBytes = totalLimitBytes;
        this.totalTailBytes = totalTailBytes;
        this.nextPosition = Math.max(lastCommittedPosition + 1, shard.startingPosition());
        this.lastArrivalMillis = lastArrivalMillis;
        this.committedNext = nextPosition;
        this.headArrivalMillis = lastArrivalMillis;
    }

    /** Position the next committed record will have at the earliest: everything below it is readable. */
    synchronized long committedNext() {
        return committedNext;
    }

    synchronized long headArrivalMillis() {
        return headArrivalMillis;
    }

    /** Recent average size of a committed batch in bytes (its encoded form), or 0 when none was seen. */
    synchronized long averageBatchBytes() {
        return averageBatchBytes;
    }

    /** Lets reads of stored batches teach the estimate when nothing was appended since the start. */
    synchronized void observeStoredBatch(long bytes) {
        if (averageBatchBytes == 0) {
            averageBatchBytes = bytes;
        }
    }

    synchronized int waiterCount() {
        return waiters.size();
    }

    /** Forgets a wake-up registered with {@link #awaitCommitted} (its subscriber went away). */
    synchronized void cancelWait(Runnable wakeUp) {
        waiters.remove(wakeUp);
    }

    /** Makes a committed batch visible to readers and wakes waiting subscribers. */
    void publish(TailBatch committed) {
        List<Runnable> toWake;
        synchronized (this) {
            TailBatch batch = compact(committed);
            tail.put(batch.firstPosition(), batch);
            tailBytes += batch.bytes();
            totalTailBytes.addAndGet(batch.bytes());
            while (tail.size() > 1 && (tailBytes > tailLimitBytes || totalTailBytes.get() > totalLimitBytes)) {
                long evicted = tail.pollFirstEntry().getValue().bytes();
                tailBytes -= evicted;
                totalTailBytes.addAndGet(-evicted);
            }
            committedNext = batch.firstPosition() + batch.count();
            headArrivalMillis = batch.arrivalMillis();
            averageBatchBytes = averageBatchBytes == 0 ? batch.bytes() : (averageBatchBytes * 7 + batch.bytes()) / 8;
            toWake = waiters;
            waiters = new ArrayList<>();
        }
        for (Runnable r : toWake) {
            r.run();
        }
    }

    /**
     * Size of the arrays a busy shard's tail is packed into: just under 4 MiB, so that with the garbage
     * collector's usual region sizes (1–8 MiB) each is one "humongous" object, allocated outside the young
     * generation and never copied.
     */
    static final int CHUNK_BYTES = (4 << 20) - 64;

    /**
     * Where a committed batch is kept. A batch's own array lives seconds in the tail and would be copied by
     * every young collection meanwhile (the tail of a busy shard is megabytes: the largest part of what
     * those collections copy, and of their pauses). Once this shard's tail holds a chunk's worth, batches
     * are copied into a shared chunk instead, which the collector never moves, and their own arrays die
     * young. A quiet shard keeps its batches as they are, so it pins no chunk; a busy one holds at most one
     * partly used chunk beyond its tail's limit.
     */
    private TailBatch compact(TailBatch batch) {
        int size = batch.bytes() > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) batch.bytes();
        if (tailBytes < CHUNK_BYTES || size > CHUNK_BYTES / 2 || batch.payloadOffset() != 0) {
            return batch;
        }
        if (chunk == null || CHUNK_BYTES - chunkUsed < size) {
            chunk = new byte[CHUNK_BYTES];
            chunkUsed = 0;
        }
        System.arraycopy(batch.payload(), 0, chunk, chunkUsed, size);
        TailBatch moved = new TailBatch(batch.firstPosition(), batch.count(), batch.arrivalMillis(), chunk, chunkUsed,
                batch.layout(), batch.bytes(), batch.encrypted());
        chunkUsed += size;
        return moved;
    }

    /**
     * Runs {@code wakeUp} once a record at or after {@code position} is committed or the shard is closed
     * (at once if either is already true).
     */
    void awaitCommitted(long position, Runnable wakeUp) {
        synchronized (this) {
            // A closed shard gets no more records: once its end is known, waiters are woken at once to see it.
            if (committedNext <= position && (shard.isOpen() || !endKnown)) {
                waiters.add(wakeUp);
                return;
            }
        }
        wakeUp.run();
    }

    /**
     * Records from {@code from} out of the in-memory tail.
     *
     * @return the records (possibly none when {@code from} is at the head), or {@code null} when the tail
     *         does not reach back to {@code from} and storage must be read
     */
    synchronized List<LogRecord> readTail(long from, int maxRecords, long maxBytes) {
        if (from >= committedNext) {
            return List.of();
        }
        if (tail.isEmpty() || tail.firstKey() > from) {
            return null;
        }
        TailBatch newest = tail.lastEntry().getValue();
        if (from >= newest.firstPosition() + newest.count()) {
            // A follower: storage holds records the tail never saw.
            return null;
        }
        Long startKey = tail.floorKey(from);
        List<LogRecord> out = new ArrayList<>(Math.min(maxRecords, 1024));
        long bytes = 0;
        for (Map.Entry<Long, TailBatch> e : tail.tailMap(startKey, true).entrySet()) {
            TailBatch b = e.getValue();
            int i = (int) Math.max(0, from - b.firstPosition());
            int[] layout = b.layout();
            byte[] payload = b.payload();
            int base = b.payloadOffset();
            for (; i < b.count(); i++) {
                int at = i * 4;
                int size = layout[at + 3];
                if (out.size() >= maxRecords || (!out.isEmpty() && bytes + size > maxBytes)) {
                    return out;
                }
                // The payload is never modified once committed, so records may share it.
                out.add(new LogRecord(b.firstPosition() + i,
                        UnsafeByteOperations.unsafeWrap(payload, base + layout[at], layout[at + 1]),
                        UnsafeByteOperations.unsafeWrap(payload, base + layout[at + 2], size), b.arrivalMillis(), b.encrypted()));
                bytes += size;
            }
        }
        return out;
    }

    /**
     * Skips records that arrived before {@code cutoffMillis} (expired) from {@code from} on, as far as the
     * tail knows: the first position at or after {@code from} whose batch has not expired, or {@code from}
     * itself when the tail does not reach back to it.
     */
    synchronized long skipExpired(long from, long cutoffMillis) {
        if (tail.isEmpty() || tail.firstKey() > from || tail.firstEntry().getValue().arrivalMillis() >= cutoffMillis) {
            return from;
        }
        long next = from;
        for (TailBatch b : tail.tailMap(tail.floorKey(from), true).values()) {
            if (b.arrivalMillis() >= cutoffMillis) {
                break;
            }
            next = Math.max(next, b.firstPosition() + b.count());
        }
        return next;
    }

    /**
     * First position that arrived at or after {@code timestampMillis} according to the tail.
     *
     * @return the position, {@code committedNext} if none, or -1 when the tail does not reach back far
     *         enough to know
     */
    synchronized long tailPositionAt(long timestampMillis) {
        if (tail.isEmpty() || tail.firstEntry().getValue().arrivalMillis() > timestampMillis) {
            return tail.isEmpty() && headArrivalMillis != 0 && headArrivalMillis < timestampMillis ? committedNext : -1;
        }
        NavigableMap<Long, TailBatch> all = tail;
        for (TailBatch b : all.values()) {
            if (b.arrivalMillis() >= timestampMillis) {
                return b.firstPosition();
            }
        }
        return committedNext;
    }

    /**
     * Lets the commit pipeline give positions to one more batch of {@code count} records, unless the shard
     * is sealed or this instance does not own it; when admitted, {@link #admittedFirst} and
     * {@link #admittedEpoch} tell the caller its positions and the lease epoch it is written under. Every
     * admitted batch must be {@link #settled} once its commit returned, whatever the outcome.
     */
    synchronized Admission admit(int count) {
        if (sealed) {
            return Admission.SEALED;
        }
        if (writerEpoch < 0) {
            return Admission.NOT_OWNED;
        }
        uncommitted++;
        admittedFirst = nextPosition;
        admittedEpoch = writerEpoch;
        nextPosition += count;
        return Admission.ADMITTED;
    }

    /** The epoch of this instance's write lease of the shard, or -1 when the log is a follower. */
    synchronized long writerEpoch() {
        return writerEpoch;
    }

    /**
     * This instance took the shard's write lease at {@code epoch}; {@code lastCommittedPosition} was read
     * from storage after the lease committed, so positions continue right after the previous owner's.
     */
    void becomeOwner(long epoch, long lastCommittedPosition, long lastArrival) {
        List<Runnable> toWake = null;
        synchronized (this) {
            if (!shard.isOpen()) {
                // Closed meanwhile: nobody writes it again (the fence refuses every batch).
                return;
            }
            writerEpoch = epoch;
            nextPosition = Math.max(lastCommittedPosition + 1, shard.startingPosition());
            lastArrivalMillis = Math.max(lastArrivalMillis, lastArrival);
            if (!tail.isEmpty()) {
                TailBatch last = tail.lastEntry().getValue();
                if (last.firstPosition() + last.count() != nextPosition) {
                    // Another instance appended meanwhile: the tail no longer reaches the head.
                    releaseTail();
                }
            }
            if (nextPosition > committedNext) {
                committedNext = nextPosition;
                headArrivalMillis = lastArrival;
                toWake = waiters;
                waiters = new ArrayList<>();
            }
        }
        if (toWake != null) {
            toWake.forEach(Runnable::run);
        }
    }

    /** The write lease at {@code epoch} is lost: nothing more is admitted until the shard is owned again. */
    synchronized void becomeFollower(long epoch) {
        if (writerEpoch == epoch || epoch < 0) {
            writerEpoch = -1;
        }
    }

    /**
     * A follower learns the last committed position from storage; subscribers waiting for records up to
     * there wake up. Ignored while this instance owns the shard (its own commits are the truth).
     */
    void follow(long lastCommittedPosition, long lastArrival) {
        List<Runnable> toWake;
        synchronized (this) {
            if (writerEpoch >= 0) {
                return;
            }
            boolean endLearned = !shard.isOpen() && !endKnown;
            if (endLearned) {
                endKnown = true;
            }
            if (lastCommittedPosition + 1 <= committedNext && !endLearned) {
                return;
            }
            if (lastCommittedPosition + 1 > committedNext) {
                committedNext = lastCommittedPosition + 1;
                headArrivalMillis = lastArrival;
            }
            toWake = waiters;
            waiters = new ArrayList<>();
        }
        toWake.forEach(Runnable::run);
    }

    private void releaseTail() {
        totalTailBytes.addAndGet(-tailBytes);
        tailBytes = 0;
        tail.clear();
        chunk = null;
        chunkUsed = 0;
    }

    /** The commit of an admitted batch returned (committed or failed). */
    void settled() {
        List<Runnable> toRun = null;
        synchronized (this) {
            uncommitted--;
            if (sealed && uncommitted == 0 && !drainWaiters.isEmpty()) {
                toRun = drainWaiters;
                drainWaiters = new ArrayList<>();
            }
        }
        if (toRun != null) {
            toRun.forEach(Runnable::run);
        }
    }

    /**
     * Seals the shard: no batch is given positions any more, and once every admitted batch has settled,
     * {@code drained} receives the first position never given out. Batches queued meanwhile are refused
     * with {@code SHARD_CLOSED}.
     */
    void seal(java.util.function.LongConsumer drained) {
        long next;
        synchronized (this) {
            sealed = true;
            if (uncommitted > 0) {
                drainWaiters.add(() -> drained.accept(nextPositionSealed()));
                return;
            }
            next = nextPosition;
        }
        drained.accept(next);
    }

    private synchronized long nextPositionSealed() {
        return nextPosition;
    }

    /** Takes a seal back (the change that sealed it did not commit). Never reopens a closed shard. */
    synchronized void unseal() {
        if (shard.isOpen()) {
            sealed = false;
        }
    }

    /**
     * The shard is closed for good: readers that reach its end learn so, and waiting subscribers wake to
     * see it. {@code closedShard} carries its ending position.
     */
    void close(ShardInfo closedShard, List<ShardInfo> childShards) {
        List<Runnable> toWake;
        synchronized (this) {
            sealed = true;
            nextPosition = Math.max(nextPosition, closedShard.endingPosition() + 1);
            // Nobody writes a closed shard again, and another instance may have committed to it batches
            // this log never saw (even while it believed it owned the shard): where it ends is learned from
            // storage.
            endKnown = false;
            writerEpoch = -1;
            shard = closedShard;
            children = List.copyOf(childShards);
            toWake = waiters;
            waiters = new ArrayList<>();
        }
        for (Runnable r : toWake) {
            r.run();
        }
    }

    /** The shards split or merged from this one once it is closed, else {@code null}. */
    List<ShardInfo> children() {
        return children;
    }

    /** Whether the shard is closed and every record it holds is below {@code position}. */
    synchronized boolean endsBefore(long position) {
        return !shard.isOpen() && endKnown && position >= committedNext;
    }

    /** Gives the tail's memory back (the shard is no longer served here). */
    synchronized void release() {
        releaseTail();
    }

    /**
     * A committed batch kept in memory as its encoded payload, which starts at {@code payloadOffset} of
     * {@code payload} and is {@code bytes} long; {@code layout} holds key offset, key length, data offset
     * and data length of each record in turn, relative to the payload's start. The bytes are never modified
     * once committed.
     */
    record TailBatch(long firstPosition, int count, long arrivalMillis, byte[] payload, int payloadOffset, int[] layout,
                     long bytes, boolean encrypted) {

        /** A batch in an array of its own. */
        TailBatch(long firstPosition, int count, long arrivalMillis, byte[] payload, int[] layout, long bytes,
                  boolean encrypted) {
            this(firstPosition, count, arrivalMillis, payload, 0, layout, bytes, encrypted);
        }

        /** A tail batch of an encoded payload, its layout read from it. */
        static TailBatch of(long firstPosition, long arrivalMillis, byte[] payload) {
            int[] layout = new int[RecordBatchReader.verify(payload) * 4];
            int count = RecordBatchReader.read(payload, (i, b, keyOffset, keyLength, dataOffset, dataLength) -> {
                layout[i * 4] = keyOffset;
                layout[i * 4 + 1] = keyLength;
                layout[i * 4 + 2] = dataOffset;
                layout[i * 4 + 3] = dataLength;
            });
            return new TailBatch(firstPosition, count, arrivalMillis, payload, layout, payload.length, false);
        }
    }
}
