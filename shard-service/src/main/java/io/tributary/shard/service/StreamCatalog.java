package io.tributary.shard.service;

import io.smallrye.mutiny.Uni;
import io.tributary.shard.HashKeyRange;
import io.tributary.shard.LogException;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.StreamInfo;
import io.tributary.shard.StreamMode;
import io.tributary.shard.StreamStatus;
import io.tributary.shard.storage.ShardEntity;
import io.tributary.shard.storage.ShardRepository;
import io.tributary.shard.storage.StreamEntity;
import io.tributary.shard.storage.StreamRepository;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Immutable snapshots of streams and their shards, cached so that appends and reads never query metadata.
 * The admin service replaces a snapshot whenever it changes a stream; a miss loads it from PostgreSQL.
 */
@ApplicationScoped
public class StreamCatalog {

    private final ConcurrentHashMap<String, StreamInfo> streams = new ConcurrentHashMap<>();
    private final StreamRepository streamRepository;
    private final ShardRepository shardRepository;

    private final io.vertx.core.Vertx vertx;

    public StreamCatalog(StreamRepository streamRepository, ShardRepository shardRepository, io.vertx.core.Vertx vertx) {
        this.vertx = vertx;
        this.streamRepository = streamRepository;
        this.shardRepository = shardRepository;
    }

    /** The cached snapshot, or {@code null} when it must be loaded. */
    public StreamInfo cached(String tenantId, String name) {
        return streams.get(key(tenantId, name));
    }

    /** The stream, failing with {@code STREAM_NOT_FOUND} when it does not exist. */
    public Uni<StreamInfo> find(String tenantId, String name) {
        StreamInfo info = cached(tenantId, name);
        if (info != null) {
            return Uni.createFrom().item(info);
        }
        return load(tenantId, name).onItem().ifNull().failWith(() -> notFound(tenantId, name));
    }

    /**
     * Reads the stream from PostgreSQL (always a new query, so it sees every change committed before the
     * call) and caches it. Each load runs in a session of its own on a context of its own, so loads started
     * together from one connection's context (an append stream carrying batches of several streams) never
     * share a session.
     */
    Uni<StreamInfo> load(String tenantId, String name) {
        return Uni.createFrom().emitter(em -> {
            io.vertx.core.Context current = io.vertx.core.Vertx.currentContext();
            io.vertx.core.Context own = io.smallrye.common.vertx.VertxContext.createNewDuplicatedContext(
                    current != null ? current : vertx.getOrCreateContext());
            io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle.setContextSafe(own, true);
            // The caller carries on where it was, on its own context.
            own.runOnContext(v -> io.quarkus.hibernate.reactive.panache.Panache.withSession(() -> query(tenantId, name))
                    .subscribe().with(
                            info -> back(current, () -> em.complete(info)),
                            failure -> back(current, () -> em.fail(failure))));
        });
    }

    private static void back(io.vertx.core.Context context, Runnable task) {
        if (context == null) {
            task.run();
        } else {
            context.runOnContext(v -> task.run());
        }
    }

    private Uni<StreamInfo> query(String tenantId, String name) {
        return streamRepository.findByName(tenantId, name).chain(stream -> {
            if (stream == null) {
                return Uni.createFrom().nullItem();
            }
            return shardRepository.findByStream(stream.id).map(shards -> {
                StreamInfo info = toInfo(stream, shards);
                put(info);
                return info;
            });
        });
    }

    public void put(StreamInfo info) {
        streams.put(key(info.tenantId(), info.name()), info);
    }

    public void evict(String tenantId, String name) {
        streams.remove(key(tenantId, name));
    }

    static LogException notFound(String tenantId, String name) {
        return new LogException(LogException.Reason.STREAM_NOT_FOUND,
                "Stream " + name + " under account " + tenantId + " not found.");
    }

    static StreamInfo toInfo(StreamEntity stream, List<ShardEntity> shards) {
        List<ShardInfo> infos = shards.stream().map(s -> new ShardInfo(s.shardKey, s.shardIndex,
                new HashKeyRange(s.hashStart.toBigIntegerExact(), s.hashEnd.toBigIntegerExact()),
                s.parentIndex == null ? -1 : s.parentIndex,
                s.adjacentParentIndex == null ? -1 : s.adjacentParentIndex,
                s.startingPosition, s.endingPosition == null ? -1 : s.endingPosition, s.createdAt.toEpochMilli(),
                s.closedAt == null ? -1 : s.closedAt.toEpochMilli())).toList();
        return new StreamInfo(stream.id, stream.tenantId, stream.name, StreamStatus.valueOf(stream.status),
                stream.retentionHours, stream.maxRecordSize, stream.createdAt.toEpochMilli(), infos,
                stream.kinesisShardQuotas, StreamMode.valueOf(stream.streamMode),
                stream.expiredBefore == null ? 0 : stream.expiredBefore.toEpochMilli(), stream.encryptionKeyId,
                stream.dataKeyId == null ? -1 : stream.dataKeyId);
    }

    private static String key(String tenantId, String name) {
        return tenantId + '/' + name;
    }
}
