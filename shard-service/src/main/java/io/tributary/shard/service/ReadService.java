package io.tributary.shard.service;

import io.smallrye.mutiny.Uni;
import io.tributary.shard.LogException;
import io.tributary.shard.LogException.Reason;
import io.tributary.shard.LogRecord;
import io.tributary.shard.Position;
import io.tributary.shard.ReadResult;
import io.tributary.shard.SequenceNumbers;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.StreamInfo;
import io.tributary.shard.StreamStatus;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.BatchRepository;
import io.tributary.shard.storage.RecordBatchCodec;
import io.tributary.shard.storage.StoredBatch;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Bounded reads from a position. Recent records come from the shard's in-memory tail; older ones from
 * PostgreSQL, locating the batch that holds a position through the primary key.
 */
@ApplicationScoped
public class ReadService {

    /** A read never returns more records than this, as Kinesis' GetRecords. */
    public static final int MAX_RECORDS = 10_000;
    /** Clock difference tolerated before an AT_TIMESTAMP position counts as being in the future. */
    private static final long FUTURE_TOLERANCE_MILLIS = 1_000;
    /** Queries one read may issue to skip over sparse stored batches before it answers. */
    private static final int MAX_QUERIES_PER_READ = 8;

    private final StreamCatalog catalog;
    private final ShardLogs logs;
    private final BatchRepository repository;
    private final ShardServiceConfig config;
    private final ShardClock clock;
    private final KeyRing keyRing;

    public ReadService(StreamCatalog catalog, ShardLogs logs, BatchRepository repository, ShardServiceConfig config,
                       ShardClock clock, KeyRing keyRing) {
        this.clock = clock;
        this.keyRing = keyRing;
        this.catalog = catalog;
        this.logs = logs;
        this.repository = repository;
        this.config = config;
    }

    /** The shard and its log, refusing unknown streams and shards. */
    Uni<OpenShard> open(String tenantId, String streamName, String shardId) {
        return catalog.find(tenantId, streamName).chain(stream -> {
            if (stream.status() == StreamStatus.DELETING) {
                return Uni.createFrom().failure(StreamCatalog.notFound(tenantId, streamName));
            }
            ShardInfo shard = stream.shard(shardId);
            if (shard == null || io.tributary.shard.Retention.expired(shard, stream, clock.millis())) {
                // A closed shard disappears once everything it held has expired.
                return Uni.createFrom().failure(new LogException(Reason.SHARD_NOT_FOUND,
                        "Shard " + shardId + " in stream " + streamName + " under account " + tenantId
                                + " does not exist."));
            }
            ShardLog log = logs.loaded(shard);
            if (log != null && log.writerEpoch() >= 0) {
                return Uni.createFrom().item(opened(stream, shard, log));
            }
            // A shard this instance does not write: its end (or, closed, its last record) comes from storage,
            // asked after the log learned whether it is closed.
            return logs.load(shard).chain(l -> {
                opened(stream, shard, l);
                return logs.forRead(shard);
            }).map(l -> new OpenShard(stream, shard, l));
        });
    }

    private static OpenShard opened(StreamInfo stream, ShardInfo shard, ShardLog log) {
        if (!shard.isOpen() && log.children() == null) {
            // Closed before this instance loaded it (a restart): its end is known from the snapshot.
            log.close(shard, stream.childrenOf(shard.index()));
        }
        return new OpenShard(stream, shard, log);
    }

    /** Reads up to {@code maxRecords} records and about {@code maxBytes} bytes from a position. */
    public Uni<ReadResult> read(String tenantId, String streamName, String shardId, Position position,
                                int maxRecords, int maxBytes) {
        if (maxRecords < 0 || maxRecords > MAX_RECORDS) {
            return Uni.createFrom().failure(new LogException(Reason.INVALID_ARGUMENT,
                    "limit " + maxRecords + " is outside 1 .. " + MAX_RECORDS));
        }
        int records = maxRecords == 0 ? MAX_RECORDS : maxRecords;
        int bytes = maxBytes <= 0 ? config.read().defaultMaxBytes() : maxBytes;
        return open(tenantId, streamName, shardId)
                .chain(open -> resolve(open, position).chain(start -> readFrom(open, start, records, bytes)));
    }

    /**
     * Resolves a position of a shard to the first position a read from it returns, checking that the
     * stream, the shard and the position exist.
     */
    public Uni<ResolvedPosition> resolve(String tenantId, String streamName, String shardId, Position position) {
        return open(tenantId, streamName, shardId)
                .chain(open -> resolve(open, position).map(p -> new ResolvedPosition(open.stream(), open.shard(), p)));
    }

    /** Reads from a position resolved earlier with {@link #resolve(String, String, String, Position)}. */
    public Uni<ReadResult> readAt(String tenantId, String streamName, String shardId, long position, int maxRecords,
                                  int maxBytes) {
        if (maxRecords < 0 || maxRecords > MAX_RECORDS) {
            return Uni.createFrom().failure(new LogException(Reason.INVALID_ARGUMENT,
                    "limit " + maxRecords + " is outside 1 .. " + MAX_RECORDS));
        }
        int records = maxRecords == 0 ? MAX_RECORDS : maxRecords;
        int bytes = maxBytes <= 0 ? config.read().defaultMaxBytes() : maxBytes;
        return open(tenantId, streamName, shardId).chain(open -> {
            if (position < open.shard().startingPosition() || position > open.log().committedNext()) {
                return invalidPosition("position " + position + " does not exist in " + shardId);
            }
            return readFrom(open, position, records, bytes);
        });
    }

    /** A position resolved in a shard. */
    public record ResolvedPosition(StreamInfo stream, ShardInfo shard, long position) {
    }

    /** Resolves a position to the first position to read. */
    Uni<Long> resolve(OpenShard open, Position position) {
        ShardInfo shard = open.shard();
        ShardLog log = open.log();
        long head = log.committedNext();
        switch (position.type()) {
            case TRIM_HORIZON:
                return trimHorizon(open);
            case LATEST:
                return Uni.createFrom().item(head);
            case AT_SEQUENCE_NUMBER:
            case AFTER_SEQUENCE_NUMBER: {
                SequenceNumbers.Parsed parsed = SequenceNumbers.parse(position.sequenceNumber());
                if (parsed == null) {
                    return invalidPosition("'" + position.sequenceNumber() + "' is not a sequence number");
                }
                if (parsed.shardIndex() != shard.index()) {
                    return invalidPosition("sequence number " + position.sequenceNumber() + " belongs to shard "
                            + io.tributary.shard.ShardIds.format(parsed.shardIndex()) + ", not " + shard.shardId());
                }
                boolean at = position.type() == Position.Type.AT_SEQUENCE_NUMBER;
                long start = at ? parsed.position() : parsed.position() + 1;
                if (start > head || (at && parsed.position() < shard.startingPosition())) {
                    return invalidPosition("sequence number " + position.sequenceNumber()
                            + " does not exist in " + shard.shardId());
                }
                return Uni.createFrom().item(Math.max(start, shard.startingPosition()));
            }
            case AT_TIMESTAMP: {
                long now = clock.millis();
                if (position.timestampMillis() > now + FUTURE_TOLERANCE_MILLIS) {
                    return invalidPosition("timestamp " + position.timestampMillis() + " is in the future");
                }
                long ts = Math.max(position.timestampMillis(), io.tributary.shard.Retention.cutoff(open.stream(), now));
                long fromTail = log.tailPositionAt(ts);
                if (fromTail >= 0) {
                    return Uni.createFrom().item(fromTail);
                }
                return repository.firstPositionAtOrAfter(shard.shardKey(), ts)
                        .map(p -> p < 0 ? log.committedNext() : p);
            }
            default:
                return invalidPosition("unknown position type " + position.type());
        }
    }

    /**
     * TRIM_HORIZON: the oldest record that has not expired (the shard's start while nothing has), or the
     * head when everything has.
     */
    private Uni<Long> trimHorizon(OpenShard open) {
        ShardInfo shard = open.shard();
        long cutoff = io.tributary.shard.Retention.cutoff(open.stream(), clock.millis());
        if (shard.createdAtMillis() >= cutoff) {
            return Uni.createFrom().item(shard.startingPosition());
        }
        long fromTail = open.log().skipExpired(shard.startingPosition(), cutoff);
        if (fromTail > shard.startingPosition()) {
            return Uni.createFrom().item(fromTail);
        }
        return repository.firstPositionAtOrAfter(shard.shardKey(), cutoff)
                .map(p -> p < 0 ? open.log().committedNext() : Math.max(p, shard.startingPosition()));
    }

    /** Makes sure the data keys of encrypted batches are unwrapped and cached before they are decoded. */
    private Uni<List<StoredBatch>> withDataKeys(List<StoredBatch> batches) {
        Uni<Void> ready = Uni.createFrom().voidItem();
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (StoredBatch b : batches) {
            if (b.dataKeyId() >= 0 && keyRing.cachedDataKey(b.dataKeyId()) == null && ids.add(b.dataKeyId())) {
                long id = b.dataKeyId();
                ready = ready.chain(() -> keyRing.dataKey(id).replaceWithVoid());
            }
        }
        return ready.map(v -> batches);
    }

    /** Arrival time before which the shard's records have expired. */
    long cutoff(OpenShard open) {
        return io.tributary.shard.Retention.cutoff(open.stream(), clock.millis());
    }

    /** Reads from a resolved position. Records that expired meanwhile are skipped. */
    Uni<ReadResult> readFrom(OpenShard open, long position, int maxRecords, long maxBytes) {
        ShardLog log = open.log();
        long cutoff = io.tributary.shard.Retention.cutoff(open.stream(), clock.millis());
        long start = log.skipExpired(position, cutoff);
        long head = log.committedNext();
        long headArrival = log.headArrivalMillis();
        List<LogRecord> fromTail = log.readTail(start, maxRecords, maxBytes);
        if (fromTail != null) {
            return Uni.createFrom().item(result(open.log(), fromTail, start, head, headArrival));
        }
        List<LogRecord> acc = new ArrayList<>();
        return readStored(open, start, cutoff, maxRecords, maxBytes, acc, 0, MAX_QUERIES_PER_READ)
                .map(next -> result(open.log(), acc, next, head, headArrival));
    }

    /**
     * Reads stored batches into {@code acc}.
     *
     * @return the position after the expired batches skipped (where an empty read continues)
     */
    private Uni<Long> readStored(OpenShard open, long from, long cutoff, int maxRecords, long maxBytes,
                                 List<LogRecord> acc, long accBytes, int queriesLeft) {
        // Fetch only as many rows as the byte budget can use: a read of 1 MiB must not pull hundreds of
        // stored rows out of PostgreSQL and decode them for nothing. Batches larger than a row are stored
        // as rows of about row-bytes each.
        long average = Math.min(open.log().averageBatchBytes(), config.storage().rowBytes());
        long remaining = Math.max(1, maxBytes - accBytes);
        int limit = average <= 0 ? 1
                : (int) Math.max(1, Math.min(config.read().rowsPerQuery(), remaining / average + 1));
        return repository.readFrom(open.shard().shardKey(), from, limit).chain(this::withDataKeys).chain(batches -> {
            long bytes = accBytes;
            long next = from;
            if (!batches.isEmpty() && acc.isEmpty() && batches.get(batches.size() - 1).arrivalMillis() < cutoff) {
                // Everything fetched has expired (its partition is not dropped yet): jump to the first
                // batch that has not, instead of paging through the expired ones.
                return repository.firstPositionAtOrAfter(open.shard().shardKey(), cutoff).chain(p -> {
                    long to = p < 0 ? open.log().committedNext() : Math.max(p, from);
                    return queriesLeft <= 1 || to >= open.log().committedNext() ? Uni.createFrom().item(to)
                            : readStored(open, to, cutoff, maxRecords, maxBytes, acc, accBytes, queriesLeft - 1);
                });
            }
            for (StoredBatch b : batches) {
                if (b.arrivalMillis() < cutoff) {
                    next = b.lastPosition() + 1;
                    continue;
                }
                open.log().observeStoredBatch(b.payload().length);
                List<LogRecord> records;
                try {
                    byte[] payload = b.dataKeyId() < 0 ? b.payload()
                            : keyRing.decrypt(keyRing.cachedDataKey(b.dataKeyId()), b.dataKeyId(), open.shard().shardKey(), b.payload());
                    records = RecordBatchCodec.decode(payload, b.firstPosition(), b.arrivalMillis(), next, b.dataKeyId() >= 0);
                } catch (RecordBatchCodec.CorruptBatchException e) {
                    return Uni.createFrom().failure(new LogException(Reason.STORAGE_FAILURE,
                            "stored data of " + open.shard().shardId() + " is unreadable: " + e.getMessage()));
                }
                for (LogRecord r : records) {
                    int size = r.data().size();
                    if (acc.size() >= maxRecords || (!acc.isEmpty() && bytes + size > maxBytes)) {
                        return Uni.createFrom().item(next);
                    }
                    acc.add(r);
                    bytes += size;
                }
                next = b.lastPosition() + 1;
            }
            if (batches.size() < limit || queriesLeft <= 1 || acc.size() >= maxRecords) {
                return Uni.createFrom().item(next);
            }
            return readStored(open, next, cutoff, maxRecords, maxBytes, acc, bytes, queriesLeft - 1);
        });
    }

    /**
     * The outcome of a read of {@code records} from {@code start}, given the shard's head ({@code head},
     * {@code headArrival}) as it was before the records were taken.
     */
    static ReadResult result(ShardLog log, List<LogRecord> records, long start, long head, long headArrival) {
        long next = records.isEmpty() ? start : records.get(records.size() - 1).position() + 1;
        long behind = records.isEmpty() || next >= head ? 0
                : Math.max(0, headArrival - records.get(records.size() - 1).arrivalMillis());
        ShardInfo shard = log.shard;
        // A shard's end is final once it is closed; until then (and while records remain) there is no end.
        List<ShardInfo> children = log.endsBefore(next) ? log.children() : null;
        if (children == null && !shard.isOpen() && log.endsBefore(next)) {
            children = List.of();
        }
        return new ReadResult(shard, records, next, behind, children);
    }

    private static <T> Uni<T> invalidPosition(String message) {
        return Uni.createFrom().failure(new LogException(Reason.INVALID_POSITION, message));
    }

    /** A shard ready to be read. */
    record OpenShard(StreamInfo stream, ShardInfo shard, ShardLog log) {
    }
}
