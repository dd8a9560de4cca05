package io.tributary.shard.service;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.tributary.shard.HashKeyRange;
import io.tributary.shard.HashKeys;
import io.tributary.shard.LogException;
import io.tributary.shard.LogException.Reason;
import io.tributary.shard.StreamInfo;
import io.tributary.shard.StreamMode;
import io.tributary.shard.StreamStatus;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.ShardEntity;
import io.tributary.shard.storage.ShardRepository;
import io.tributary.shard.storage.StreamEntity;
import io.tributary.shard.storage.StreamRepository;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Creating, describing, listing and deleting streams. */
@ApplicationScoped
public class StreamAdminService {

    private static final Pattern STREAM_NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");
    private static final Pattern TENANT_ID = Pattern.compile("[0-9]{12}");
    private static final int MIN_RETENTION_HOURS = 24;
    private static final int MAX_RETENTION_HOURS = 8760;
    private static final int MIN_RECORD_SIZE = 1024;

    private final StreamRepository streams;
    private final ShardRepository shards;
    private final StreamCatalog catalog;
    private final ShardServiceConfig config;
    private final ShardLogs logs;
    private final StorageMaintenance storage;
    private final ShardClock clock;

    private final ShardOwnership ownership;

    public StreamAdminService(StreamRepository streams, ShardRepository shards, StreamCatalog catalog,
                              ShardServiceConfig config, ShardLogs logs, StorageMaintenance storage, ShardClock clock,
                              ShardOwnership ownership) {
        this.ownership = ownership;
        this.logs = logs;
        this.storage = storage;
        this.clock = clock;
        this.streams = streams;
        this.shards = shards;
        this.catalog = catalog;
        this.config = config;
    }

    /**
     * Creates a stream whose shards split the hash key space evenly.
     *
     * @param retentionHours     0 for the default
     * @param maxRecordSizeBytes 0 for the default
     */
    public Uni<StreamInfo> create(String tenantId, String name, int shardCount, int retentionHours,
                                  int maxRecordSizeBytes) {
        return create(tenantId, name, shardCount, retentionHours, maxRecordSizeBytes, StreamMode.PROVISIONED);
    }

    /** As {@link #create(String, String, int, int, int)}, in a capacity mode. */
    public Uni<StreamInfo> create(String tenantId, String name, int shardCount, int retentionHours,
                                  int maxRecordSizeBytes, StreamMode mode) {
        try {
            validateName(tenantId, name);
        } catch (LogException e) {
            return Uni.createFrom().failure(e);
        }
        int maxShards = config.streams().maxShardCount();
        if (shardCount < 1 || shardCount > maxShards) {
            return invalid(Reason.LIMIT_EXCEEDED, "shard count " + shardCount + " is outside 1 .. " + maxShards);
        }
        int retention = retentionHours == 0 ? config.streams().defaultRetentionHours() : retentionHours;
        if (retention < MIN_RETENTION_HOURS || retention > MAX_RETENTION_HOURS) {
            return invalid(Reason.INVALID_ARGUMENT, "retention of " + retention + " hours is outside "
                    + MIN_RETENTION_HOURS + " .. " + MAX_RETENTION_HOURS);
        }
        int maxSize = maxRecordSizeBytes == 0 ? config.streams().defaultMaxRecordSizeBytes() : maxRecordSizeBytes;
        int sizeLimit = config.streams().maxRecordSizeLimitBytes();
        if (maxSize < MIN_RECORD_SIZE || maxSize > sizeLimit) {
            return invalid(Reason.INVALID_ARGUMENT, "maximum record size of " + maxSize + " bytes is outside "
                    + MIN_RECORD_SIZE + " .. " + sizeLimit);
        }
        // The partitions its batches go to exist before the stream does.
        return storage.ensureTier(io.tributary.shard.RetentionTiers.tierOf(retention))
                .chain(() -> persistNew(tenantId, name, shardCount, retention, maxSize, mode))
                .onFailure(StorageErrors::isUniqueViolation)
                .transform(e -> alreadyExists(tenantId, name))
                .invoke(catalog::put);
    }

    @WithTransaction
    Uni<StreamInfo> persistNew(String tenantId, String name, int shardCount, int retention, int maxSize,
                               StreamMode mode) {
        return streams.findByName(tenantId, name).chain(existing -> {
            if (existing != null) {
                return Uni.createFrom().failure(alreadyExists(tenantId, name));
            }
            return shards.countOpenShards(tenantId);
        }).chain(open -> {
            int limit = config.streams().maxOpenShardsPerAccount();
            if (open + shardCount > limit) {
                return Uni.createFrom().failure(new LogException(Reason.LIMIT_EXCEEDED, "This request would exceed the shard limit for the account "
                        + tenantId + " (" + open + " open shards + " + shardCount + " > " + limit + ")."));
            }
            Instant now = clock.now();
            StreamEntity stream = new StreamEntity();
            stream.tenantId = tenantId;
            stream.name = name;
            stream.status = StreamStatus.ACTIVE.name();
            stream.retentionHours = retention;
            stream.maxRecordSize = maxSize;
            stream.createdAt = now;
            stream.nextShardIndex = shardCount;
            stream.streamMode = mode.name();
            return streams.persist(stream).chain(saved -> {
                List<ShardEntity> rows = new ArrayList<>(shardCount);
                List<HashKeyRange> ranges = HashKeys.splitEvenly(shardCount);
                for (int i = 0; i < shardCount; i++) {
                    ShardEntity shard = new ShardEntity();
                    shard.streamId = saved.id;
                    shard.shardIndex = i;
                    shard.hashStart = new BigDecimal(ranges.get(i).start());
                    shard.hashEnd = new BigDecimal(ranges.get(i).end());
                    shard.startingPosition = 1;
                    shard.createdAt = now;
                    rows.add(shard);
                }
                return shards.persist(rows).chain(() -> shards.flush())
                        .map(v -> StreamCatalog.toInfo(saved, rows));
            });
        });
    }

    /**
     * The stream as stored now (not the cached snapshot), without the closed shards whose records have all
     * expired: they are no longer listed, as in Kinesis.
     */
    public Uni<StreamInfo> describe(String tenantId, String name) {
        return catalog.load(tenantId, name).onItem().ifNull().failWith(() -> StreamCatalog.notFound(tenantId, name))
                .map(this::listed);
    }

    private StreamInfo listed(StreamInfo s) {
        long now = clock.millis();
        if (s.shards().stream().noneMatch(shard -> io.tributary.shard.Retention.expired(shard, s, now))) {
            return s;
        }
        return new StreamInfo(s.id(), s.tenantId(), s.name(), s.status(), s.retentionHours(), s.maxRecordSizeBytes(),
                s.createdAtMillis(), s.shards().stream().filter(shard -> !io.tributary.shard.Retention.expired(shard, s, now)).toList(),
                s.kinesisShardQuotas(), s.mode(), s.expiredBeforeMillis(), s.encryptionKeyId(), s.dataKeyId());
    }

    /** Streams of a tenant after a name, and whether more exist. */
    @WithSession
    public Uni<StreamPage> list(String tenantId, String exclusiveStartName, int limit) {
        int pageSize = limit <= 0 ? 100 : Math.min(limit, 10_000);
        return streams.listAfter(tenantId, exclusiveStartName, pageSize + 1).chain(rows -> {
            boolean more = rows.size() > pageSize;
            List<StreamEntity> page = more ? rows.subList(0, pageSize) : rows;
            List<Uni<StreamInfo>> infos = page.stream()
                    .map(s -> shards.findByStream(s.id).map(sh -> listed(StreamCatalog.toInfo(s, sh)))).toList();
            if (infos.isEmpty()) {
                return Uni.createFrom().item(new StreamPage(List.of(), false));
            }
            // One session runs one query at a time: load the shards of each stream in turn.
            Uni<List<StreamInfo>> all = Uni.createFrom().item(new ArrayList<StreamInfo>());
            for (Uni<StreamInfo> u : infos) {
                all = all.chain(acc -> u.map(i -> {
                    acc.add(i);
                    return acc;
                }));
            }
            return all.map(list -> new StreamPage(list, more));
        });
    }

    /**
     * Marks the stream DELETING: appends and reads stop at once and its name is free. Its batches stay,
     * unreadable, until their partitions expire (StorageMaintenance), then its metadata goes too.
     */
    public Uni<Void> delete(String tenantId, String name) {
        return markDeleting(tenantId, name).invoke(shardKeys -> {
            catalog.evict(tenantId, name);
            shardKeys.forEach(logs::drop);
        }).replaceWithVoid();
    }

    /** @return the storage keys of the stream's shards */
    @WithTransaction
    Uni<List<Long>> markDeleting(String tenantId, String name) {
        return streams.findByName(tenantId, name).chain(stream -> {
            if (stream == null) {
                return Uni.createFrom().failure(StreamCatalog.notFound(tenantId, name));
            }
            stream.status = StreamStatus.DELETING.name();
            stream.deletedAt = clock.now();
            // Writers on other instances stop with this commit, not when their snapshot of the stream ages.
            return ownership.fenceStream(stream.id)
                    .chain(() -> shards.findByStream(stream.id)).map(rows -> rows.stream().map(r -> r.shardKey).toList());
        });
    }

    private static void validateName(String tenantId, String name) {
        if (tenantId == null || !TENANT_ID.matcher(tenantId).matches()) {
            throw new LogException(Reason.INVALID_ARGUMENT, "tenant id '" + tenantId + "' is not 12 digits");
        }
        if (name == null || !STREAM_NAME.matcher(name).matches()) {
            throw new LogException(Reason.INVALID_ARGUMENT, "stream name '" + name
                    + "' must be 1 to 128 characters of a-z, A-Z, 0-9, '_', '.' and '-'");
        }
    }

    private static <T> Uni<T> invalid(Reason reason, String message) {
        return Uni.createFrom().failure(new LogException(reason, message));
    }

    private static LogException alreadyExists(String tenantId, String name) {
        return new LogException(Reason.STREAM_ALREADY_EXISTS,
                "Stream " + name + " under account " + tenantId + " already exists.");
    }

    /** A page of {@link #list}. */
    public record StreamPage(List<StreamInfo> streams, boolean hasMore) {
    }
}
