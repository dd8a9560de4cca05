package io.tributary.shard.service;

import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.smallrye.mutiny.Uni;
import io.tributary.batch.MalformedBatchException;
import io.tributary.batch.RecordBatchReader;
import io.tributary.shard.AppendBatch;
import io.tributary.shard.AppendResult;
import io.tributary.shard.HashKeys;
import io.tributary.shard.LogException;
import io.tributary.shard.LogException.Reason;
import io.tributary.shard.PartitionKeys;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.StreamInfo;
import io.tributary.shard.StreamStatus;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.BatchRepository;
import io.tributary.shard.storage.BatchRow;
import io.tributary.shard.storage.StoredRows;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Durable append with group commit.
 *
 * <p>A validated batch is encoded on the caller's thread and queued on the commit pipeline that owns its
 * shard ({@code shardKey mod pipelines}). Each pipeline commits one group at a time: everything queued
 * while the previous commit was in flight goes into the next one, in its own transaction: a binary COPY of
 * the group's rows ({@link io.tributary.shard.storage.BatchCopyWriter}, the default) or one multi-row INSERT
 * ({@link BatchRepository#insert}). A batch larger than {@code storage.row-bytes} is stored as several rows
 * ({@link StoredRows}). Positions are assigned when a group is formed, so they follow commit order; a batch is
 * acknowledged, and becomes readable, only after its group's commit returned. A failed commit fails every
 * batch of its group, and their positions are never used again.
 *
 * <p>The bytes waiting in all pipelines are bounded: above {@code commit-queue-bytes} {@link #hasRoom()}
 * turns false and append streams stop reading until {@link #whenRoom} wakes them.
 */
@ApplicationScoped
public class AppendService {

    private final StreamCatalog catalog;
    private final ShardLogs logs;
    private final BatchRepository repository;
    private final io.tributary.shard.storage.BatchCopyWriter copyWriter;
    private final io.vertx.core.Vertx vertx;
    private final ShardServiceConfig config;
    // Varint lengths of key and data: an encoded batch may exceed the byte limit of its records by this much per record.
    private static final int MAX_FRAMING_PER_RECORD = 10;

    private final CommitPipeline[] pipelines;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Queue<Runnable> roomWaiters = new ConcurrentLinkedQueue<>();
    private final LongCounter appendedRecords;
    private final LongCounter appendedBytes;
    private final LongCounter commits;
    private final DoubleHistogram commitDuration;

    private final ShardClock clock;
    private final KeyRing keyRing;
    private final ShardOwnership ownership;

    public AppendService(StreamCatalog catalog, ShardLogs logs, BatchRepository repository,
                         io.tributary.shard.storage.BatchCopyWriter copyWriter, io.vertx.core.Vertx vertx,
                         ShardServiceConfig config, Meter meter, ShardClock clock, KeyRing keyRing,
                         ShardOwnership ownership) {
        this.copyWriter = copyWriter;
        this.vertx = vertx;
        this.ownership = ownership;
        this.clock = clock;
        this.keyRing = keyRing;
        this.catalog = catalog;
        this.logs = logs;
        this.repository = repository;
        this.config = config;
        this.pipelines = new CommitPipeline[Math.max(1, config.append().commitPipelines())];
        for (int i = 0; i < pipelines.length; i++) {
            pipelines[i] = new CommitPipeline();
        }
        this.appendedRecords = meter.counterBuilder("tributary.shard.incoming.records")
                .setDescription("Records committed to the log").setUnit("{record}").build();
        this.appendedBytes = meter.counterBuilder("tributary.shard.incoming.bytes")
                .setDescription("Record data bytes committed to the log").setUnit("By").build();
        this.commits = meter.counterBuilder("tributary.shard.commits")
                .setDescription("Group commits (transactions) of appended batches").setUnit("{commit}").build();
        this.commitDuration = meter.histogramBuilder("tributary.shard.commit.duration")
                .setDescription("Time from writing a group (COPY or INSERT) to its commit returning").setUnit("ms").build();
        meter.gaugeBuilder("tributary.shard.commit.queue.bytes").ofLongs()
                .setDescription("Bytes of appended batches waiting for their commit").setUnit("By")
                .buildWithCallback(m -> m.record(queuedBytes.get()));
    }

    /** Whether the commit queue has room for more batches. */
    public boolean hasRoom() {
        return queuedBytes.get() < config.append().commitQueueBytes();
    }

    /** Runs {@code wakeUp} once the commit queue has room (at once if it has). */
    public void whenRoom(Runnable wakeUp) {
        roomWaiters.add(wakeUp);
        if (hasRoom()) {
            wakeRoomWaiters();
        }
    }

    /** Appends a batch of records to one shard; see {@link AppendCallback} for the outcome. */
    public void append(String tenantId, String streamName, String shardId, AppendBatch batch,
                       String traceparent, AppendCallback callback) {
        StreamInfo stream = catalog.cached(tenantId, streamName);
        if (stream != null) {
            appendTo(stream, shardId, batch, traceparent, callback, true);
            return;
        }
        catalog.find(tenantId, streamName).subscribe().with(
                s -> appendTo(s, shardId, batch, traceparent, callback, false),
                e -> refuse(callback, StorageErrors.asLogException(e)));
    }

    private void appendTo(StreamInfo stream, String shardId, AppendBatch batch, String traceparent,
                          AppendCallback callback, boolean cached) {
        ShardInfo target = stream.shard(shardId);
        if (target != null && target.isOpen() && stream.status() == StreamStatus.ACTIVE && logs.owned(target) == null) {
            acquireThenAppend(stream, target, batch, traceparent, callback);
            return;
        }
        Pending pending;
        try {
            pending = prepare(stream, shardId, batch, traceparent, callback);
        } catch (LogException e) {
            if (cached && e.reason() == Reason.SHARD_NOT_FOUND) {
                // The cached snapshot may be older than a split or merge that created the shard: look once more.
                catalog.load(stream.tenantId(), stream.name()).subscribe().with(s -> {
                    if (s == null) {
                        refuse(callback, StreamCatalog.notFound(stream.tenantId(), stream.name()));
                    } else {
                        appendTo(s, shardId, batch, traceparent, callback, false);
                    }
                }, failure -> refuse(callback, StorageErrors.asLogException(failure)));
                return;
            }
            refuse(callback, e);
            return;
        }
        if (stream.encrypted()) {
            javax.crypto.SecretKey key = keyRing.cachedDataKey(stream.dataKeyId());
            if (key == null) {
                keyRing.dataKey(stream.dataKeyId()).subscribe().with(k -> {
                    encrypt(pending, k, stream.dataKeyId());
                    toLog(pending, callback);
                }, e -> refuse(callback, StorageErrors.asLogException(e)));
                return;
            }
            encrypt(pending, key, stream.dataKeyId());
        }
        toLog(pending, callback);
    }

    /**
     * The shard is not written by this instance yet: takes its write lease, then looks at the stream again
     * before appending, since another instance may have changed it (resharded, encrypted) meanwhile. A lease
     * refused because the shard was closed meanwhile (split or merged) is answered as the fresh stream says,
     * with {@code SHARD_CLOSED}, so the writer knows to look for the children rather than another owner.
     */
    private void acquireThenAppend(StreamInfo stream, ShardInfo target, AppendBatch batch, String traceparent,
                                   AppendCallback callback) {
        logs.acquire(target)
                .onFailure(e -> e instanceof LogException le && le.reason() == Reason.NOT_OWNER).recoverWithNull()
                .chain(l -> catalog.load(stream.tenantId(), stream.name())).subscribe().with(fresh -> {
            if (fresh == null) {
                refuse(callback, StreamCatalog.notFound(stream.tenantId(), stream.name()));
                return;
            }
            ShardInfo now = fresh.shard(target.shardId());
            if (now != null && now.isOpen() && fresh.status() == StreamStatus.ACTIVE && logs.owned(now) == null) {
                refuse(callback, notOwner(target, "its write lease could not be taken"));
                return;
            }
            appendTo(fresh, target.shardId(), batch, traceparent, callback, false);
        }, e -> refuse(callback, StorageErrors.asLogException(e)));
    }

    /**
     * @param why which check refused the batch, in words; the three places that refuse with {@code NOT_OWNER}
     *            say different things, so a refusal names the one that fired
     */
    private static LogException notOwner(ShardInfo shard, String why) {
        return new LogException(Reason.NOT_OWNER, "Shard " + shard.shardId() + " is not written by this shard-service"
                + " instance (" + why + "); nothing was stored: describe the stream again and send the batch to its owner.");
    }

    /** The stored form of an encrypted stream's batch, row by row; the tail keeps the records in the clear. */
    private void encrypt(Pending pending, javax.crypto.SecretKey key, long dataKeyId) {
        pending.dataKeyId = dataKeyId;
        byte[][] encrypted = new byte[pending.rows.size()][];
        for (int i = 0; i < encrypted.length; i++) {
            encrypted[i] = keyRing.encrypt(key, dataKeyId, pending.shard.shardKey(), pending.rows.payloads()[i]);
        }
        pending.rows = pending.rows.withPayloads(encrypted);
    }

    private void toLog(Pending pending, AppendCallback callback) {
        ShardLog log = logs.owned(pending.shard);
        if (log == null) {
            refuse(callback, notOwner(pending.shard, "its write lease moved on"));
            return;
        }
        enqueue(pending, log);
    }

    private void enqueue(Pending pending, ShardLog log) {
        pending.log = log;
        long limit = config.append().commitQueueBytes();
        if (queuedBytes.addAndGet(pending.bytes) > 2 * limit + config.append().maxBatchBytes()) {
            // Only reachable by producers that ignore flow control; refusing keeps memory bounded.
            queuedBytes.addAndGet(-pending.bytes);
            refuse(pending.callback, new LogException(Reason.UNAVAILABLE,
                    "the commit queue is full (" + limit + " bytes); retry later"));
            return;
        }
        pipelines[(int) Math.floorMod(pending.shard.shardKey(), (long) pipelines.length)].submit(pending);
        pending.callback.queued();
    }

    private Pending prepare(StreamInfo stream, String shardId, AppendBatch batch, String traceparent,
                            AppendCallback callback) {
        if (stream.status() != StreamStatus.ACTIVE) {
            throw new LogException(Reason.STREAM_NOT_ACTIVE,
                    "Stream " + stream.name() + " is " + stream.status() + ", not ACTIVE.");
        }
        ShardInfo shard = stream.shard(shardId);
        if (shard == null) {
            throw new LogException(Reason.SHARD_NOT_FOUND,
                    "Shard " + shardId + " in stream " + stream.name() + " does not exist.");
        }
        if (!shard.isOpen()) {
            throw new LogException(Reason.SHARD_CLOSED, "Shard " + shardId + " is closed to writes.");
        }
        byte[] payload = batch.encoded();
        if (payload.length > config.append().maxBatchBytes() + (long) MAX_FRAMING_PER_RECORD * config.append().maxBatchRecords()) {
            throw new LogException(Reason.LIMIT_EXCEEDED, "an encoded batch of " + payload.length
                    + " bytes exceeds the limit of " + config.append().maxBatchBytes() + " bytes of records");
        }
        int n;
        try {
            n = RecordBatchReader.verify(payload);
        } catch (MalformedBatchException e) {
            throw new LogException(Reason.INVALID_ARGUMENT, "encoded records: " + e.getMessage());
        }
        int maxRecords = config.append().maxBatchRecords();
        if (n > maxRecords) {
            throw new LogException(Reason.LIMIT_EXCEEDED, "a batch of " + n + " records exceeds the limit of "
                    + maxRecords + " records");
        }
        List<String> explicit = batch.explicitHashKeys();
        if (!explicit.isEmpty() && explicit.size() != n) {
            throw new LogException(Reason.INVALID_ARGUMENT, "a batch of " + n + " records carries "
                    + explicit.size() + " explicit hash keys; send none or one per record");
        }
        BatchValidator validator = new BatchValidator(stream, shard, explicit, n);
        try {
            RecordBatchReader.readVerified(payload, validator);
        } catch (MalformedBatchException e) {
            throw new LogException(Reason.INVALID_ARGUMENT, "encoded records: " + e.getMessage());
        }
        if (validator.bytes > config.append().maxBatchBytes()) {
            throw new LogException(Reason.LIMIT_EXCEEDED, "a batch of " + validator.bytes
                    + " bytes exceeds the limit of " + config.append().maxBatchBytes() + " bytes");
        }
        Pending p = new Pending();
        p.shard = shard;
        p.count = n;
        p.layout = validator.layout;
        p.payload = payload;
        p.bytes = payload.length;
        p.dataBytes = validator.bytes;
        p.traceparent = traceparent == null || traceparent.isEmpty() ? null : traceparent;
        p.retentionTier = io.tributary.shard.RetentionTiers.tierOf(stream.retentionHours());
        p.callback = callback;
        p.rows = StoredRows.of(payload, p.layout, n, config.storage().rowBytes());
        return p;
    }

    /**
     * Checks every record of an encoded batch in place (key length and UTF-8, hash key in the shard's
     * range, record size) and notes where each record lies in the payload, for the in-memory tail.
     */
    private static final class BatchValidator implements RecordBatchReader.RecordVisitor {

        private final StreamInfo stream;
        private final ShardInfo shard;
        private final List<String> explicit;
        private final int maxSize;
        private final byte[] digest = new byte[16];
        final int[] layout;
        long bytes;

        BatchValidator(StreamInfo stream, ShardInfo shard, List<String> explicit, int count) {
            this.stream = stream;
            this.shard = shard;
            this.explicit = explicit;
            this.maxSize = stream.maxRecordSizeBytes();
            this.layout = new int[count * 4];
        }

        @Override
        public void record(int i, byte[] b, int keyOffset, int keyLength, int dataOffset, int dataLength) {
            int chars = keyLength == 0 || keyLength > 4 * PartitionKeys.MAX_CHARACTERS ? keyLength
                    : PartitionKeys.characters(b, keyOffset, keyLength);
            if (chars < 0) {
                throw new LogException(Reason.INVALID_PARTITION_KEY, "record " + i + ": partition key is not valid UTF-8");
            }
            if (chars < 1 || chars > PartitionKeys.MAX_CHARACTERS) {
                throw new LogException(Reason.INVALID_PARTITION_KEY, "record " + i + ": partition key of "
                        + (keyLength > 4 * PartitionKeys.MAX_CHARACTERS ? "more than 1024 bytes" : chars + " characters")
                        + " is outside 1 .. " + PartitionKeys.MAX_CHARACTERS);
            }
            boolean inShard;
            String explicitKey = explicit.isEmpty() ? null : explicit.get(i);
            if (explicitKey != null && !explicitKey.isEmpty()) {
                BigInteger hash = HashKeys.parseExplicit(explicitKey);
                if (hash == null) {
                    throw new LogException(Reason.INVALID_HASH_KEY, "record " + i + ": explicit hash key '"
                            + explicitKey + "' is not a decimal integer in 0 .. 2^128-1");
                }
                inShard = shard.hashKeyRange().contains(hash);
            } else {
                HashKeys.digest(b, keyOffset, keyLength, digest);
                inShard = shard.hashKeyRange().contains(digest);
            }
            if (!inShard) {
                throw new LogException(Reason.WRONG_SHARD, "record " + i + ": the hash key of partition key '"
                        + new String(b, keyOffset, keyLength, StandardCharsets.UTF_8) + "' is outside the range of "
                        + shard.shardId() + " (" + shard.hashKeyRange() + ")");
            }
            long size = (long) keyLength + dataLength;
            if (size > maxSize) {
                throw new LogException(Reason.RECORD_TOO_LARGE, "record " + i + " of " + size
                        + " bytes (data plus partition key) exceeds the " + maxSize + "-byte limit of stream "
                        + stream.name());
            }
            bytes += size;
            int at = i * 4;
            layout[at] = keyOffset;
            layout[at + 1] = keyLength;
            layout[at + 2] = dataOffset;
            layout[at + 3] = dataLength;
        }
    }

    private static void refuse(AppendCallback callback, LogException e) {
        callback.queued();
        callback.failed(e);
    }

    private void released(long bytes) {
        long now = queuedBytes.addAndGet(-bytes);
        if (now < config.append().commitQueueBytes() && !roomWaiters.isEmpty()) {
            wakeRoomWaiters();
        }
    }

    private void wakeRoomWaiters() {
        Runnable r;
        while (hasRoom() && (r = roomWaiters.poll()) != null) {
            r.run();
        }
    }

    /** A batch on its way through a pipeline. */
    private static final class Pending {
        ShardInfo shard;
        ShardLog log;
        int count;
        int[] layout;
        byte[] payload;
        long bytes;
        long dataBytes;
        String traceparent;
        int retentionTier;
        /** What goes to storage: the payload cut into rows, or their encryption. */
        StoredRows rows;
        long dataKeyId = -1;
        AppendCallback callback;
        long firstPosition;
        long arrivalMillis;
        long epoch;
    }

    /** Commits the batches of its shards in groups, one group in flight at a time. */
    private final class CommitPipeline {

        private final ArrayDeque<Pending> queue = new ArrayDeque<>();
        private boolean committing;
        private final io.vertx.core.Context context = vertx.getOrCreateContext();

        private void onContext(Runnable r) {
            context.runOnContext(v -> r.run());
        }

        void submit(Pending p) {
            boolean start;
            synchronized (this) {
                queue.add(p);
                start = !committing;
                committing = true;
            }
            if (start) {
                commitNext();
            }
        }

        private void commitNext() {
            List<Pending> group = new ArrayList<>();
            long groupBytes = 0;
            long maxGroup = config.append().maxGroupBytes();
            synchronized (this) {
                Pending p;
                while ((p = queue.peek()) != null && (group.isEmpty() || groupBytes + p.bytes <= maxGroup)) {
                    queue.poll();
                    group.add(p);
                    groupBytes += p.bytes;
                }
                if (group.isEmpty()) {
                    committing = false;
                    return;
                }
            }
            long now = clock.millis();
            List<BatchRow> rows = new ArrayList<>(group.size() * 2);
            List<Pending> refused = null;
            for (java.util.Iterator<Pending> it = group.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                ShardLog log = p.log;
                ShardLog.Admission admission = log.admit(p.count);
                if (admission != ShardLog.Admission.ADMITTED) {
                    // Sealed by a split or merge after the batch was checked (it must go to a child shard),
                    // or the write lease was lost meanwhile.
                    it.remove();
                    if (refused == null) {
                        refused = new ArrayList<>();
                    }
                    refused.add(p);
                    p.epoch = admission == ShardLog.Admission.SEALED ? -1 : -2;
                    continue;
                }
                p.firstPosition = log.admittedFirst;
                p.epoch = log.admittedEpoch;
                // Arrival times never go backwards within a shard, so AT_TIMESTAMP reads stay ordered.
                p.arrivalMillis = Math.max(now, log.lastArrivalMillis);
                log.lastArrivalMillis = p.arrivalMillis;
                for (int r = 0; r < p.rows.size(); r++) {
                    long first = p.firstPosition + p.rows.firstRecords()[r];
                    int count = p.rows.recordsIn(r);
                    rows.add(new BatchRow(p.shard.shardKey(), first, first + count - 1, p.arrivalMillis, count,
                            p.epoch, p.traceparent, p.rows.payloads()[r], p.retentionTier, p.dataKeyId));
                }
            }
            if (refused != null) {
                long refusedBytes = 0;
                for (Pending p : refused) {
                    refusedBytes += p.bytes;
                    p.callback.failed(p.epoch == -1 ? new LogException(Reason.SHARD_CLOSED, "Shard " + p.shard.shardId()
                            + " was closed by resharding; send the records to the shard that now owns their hash keys.")
                            : notOwner(p.shard, "its write lease moved on before the batch was committed"));
                }
                groupBytes -= refusedBytes;
                released(refusedBytes);
                if (group.isEmpty()) {
                    commitNext();
                    return;
                }
            }
            long released = groupBytes;
            Uni<Void> insert;
            try {
                if (config.append().statement() == ShardServiceConfig.Append.Statement.COPY) {
                    // Back on this pipeline's event loop, as the reactive client would answer.
                    insert = copyWriter.insert(rows).emitOn(CommitPipeline.this::onContext);
                } else {
                    insert = repository.insert(rows);
                }
            } catch (RuntimeException e) {
                insert = Uni.createFrom().failure(e);
            }
            long t0 = System.nanoTime();
            insert.subscribe().with(v -> {
                commitDuration.record((System.nanoTime() - t0) / 1e6);
                commits.add(1);
                for (Pending p : group) {
                    p.log.publish(new ShardLog.TailBatch(p.firstPosition, p.count, p.arrivalMillis, p.payload,
                            p.layout, p.bytes, p.dataKeyId >= 0));
                    p.log.settled();
                    appendedRecords.add(p.count);
                    appendedBytes.add(p.dataBytes);
                    p.callback.committed(new AppendResult(p.shard, p.firstPosition, p.count, p.arrivalMillis));
                }
                released(released);
                commitNext();
            }, e -> {
                LogException error = StorageErrors.asLogException(e);
                if (error.reason() == Reason.NOT_OWNER) {
                    // The fence refused a batch: drop the lease it names, and check the others now.
                    ownership.fenced(e);
                }
                for (Pending p : group) {
                    p.log.settled();
                    p.callback.failed(error);
                }
                released(released);
                commitNext();
            });
        }
    }
}
