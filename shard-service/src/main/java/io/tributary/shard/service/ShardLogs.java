package io.tributary.shard.service;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.tributary.shard.LogException;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.BatchRepository;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link ShardLog}s of the shards this instance writes or reads. A log is created on first use from
 * the newest batch in storage, as a follower; it becomes the owner once this instance holds the shard's
 * write lease ({@link ShardOwnership}), continuing after the last committed position, so none is ever
 * reused after a restart or a takeover. A log that loses its lease falls back to following storage.
 */
@ApplicationScoped
public class ShardLogs {

    private final ConcurrentHashMap<Long, ShardLog> logs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Uni<ShardLog>> loading = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Uni<ShardLog>> acquiring = new ConcurrentHashMap<>();
    private final AtomicLong tailBytes = new AtomicLong();
    private final AtomicBoolean following = new AtomicBoolean();
    private final BatchRepository repository;
    private final ShardServiceConfig config;
    private final ShardOwnership ownership;
    private final Vertx vertx;
    private long followTimer = -1;

    public ShardLogs(BatchRepository repository, ShardServiceConfig config, io.opentelemetry.api.metrics.Meter meter,
                     ShardOwnership ownership, Vertx vertx) {
        this.repository = repository;
        this.config = config;
        this.ownership = ownership;
        this.vertx = vertx;
        ownership.onLost(shardKey -> {
            ShardLog log = logs.get(shardKey);
            if (log != null) {
                log.becomeFollower(-1);
            }
        });
        meter.gaugeBuilder("tributary.shard.tail.bytes").ofLongs()
                .setDescription("Bytes of recently committed records kept in memory for live readers").setUnit("By")
                .buildWithCallback(m -> m.record(tailBytes.get()));
        meter.gaugeBuilder("tributary.shard.owned.shards").ofLongs()
                .setDescription("Shards whose write lease this instance holds").setUnit("{shard}")
                .buildWithCallback(m -> m.record(logs.values().stream().filter(l -> l.writerEpoch() >= 0).count()));
    }

    void onStart(@Observes StartupEvent event) {
        followTimer = vertx.setPeriodic(config.ownership().followInterval().toMillis(), id -> followWaited());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (followTimer >= 0) {
            vertx.cancelTimer(followTimer);
        }
    }

    /** The shard's log if it is already loaded, else {@code null}. */
    ShardLog loaded(ShardInfo shard) {
        return logs.get(shard.shardKey());
    }

    /** The shard's log if this instance owns the shard and the log is writing under its lease, else {@code null}. */
    ShardLog owned(ShardInfo shard) {
        ShardLog log = logs.get(shard.shardKey());
        long epoch = ownership.epoch(shard.shardKey());
        return log != null && epoch >= 0 && log.writerEpoch() == epoch ? log : null;
    }

    /**
     * Makes this instance the shard's writer: takes its lease unless held, then reads where the log ends
     * in storage (after the lease committed, so every batch of a previous owner is seen).
     *
     * @return the owned log; fails with {@code NOT_OWNER} when a live instance holds the lease or the shard
     *         is no longer open
     */
    Uni<ShardLog> acquire(ShardInfo shard) {
        long key = shard.shardKey();
        return acquiring.computeIfAbsent(key, k -> {
            long held = ownership.epoch(k);
            Uni<Long> epoch = held >= 0 ? Uni.createFrom().item(held) : ownership.claim(k);
            return epoch.chain(e -> {
                        if (e < 0) {
                            return Uni.createFrom().failure(new LogException(LogException.Reason.NOT_OWNER,
                                    "Shard " + shard.shardId() + " is written by another shard-service instance"
                                            + " (or no longer open); describe the stream again and send the batch to its owner."));
                        }
                        return load(shard).chain(log -> repository.head(k).map(head -> {
                            if (ownership.epoch(k) == e) {
                                log.becomeOwner(e, head.lastPosition(), head.arrivalMillis());
                            }
                            return log;
                        }));
                    })
                    .eventually(() -> {
                        acquiring.remove(k);
                    })
                    .memoize().indefinitely();
        });
    }

    /** The shard's log, created once (as a follower) however many callers ask at the same time. */
    Uni<ShardLog> load(ShardInfo shard) {
        ShardLog log = logs.get(shard.shardKey());
        if (log != null) {
            return Uni.createFrom().item(log);
        }
        return loading.computeIfAbsent(shard.shardKey(), k -> repository.head(k)
                .map(head -> logs.computeIfAbsent(k, key -> new ShardLog(shard, head.lastPosition(),
                        head.arrivalMillis(), config.read().tailBytesPerShard(), config.read().tailBytesTotal(), tailBytes)))
                .eventually(() -> {
                    loading.remove(k);
                })
                .memoize().indefinitely());
    }

    /**
     * The shard's log for a reader, up to date: an owned log as it is, a follower after asking storage
     * where the shard ends.
     */
    Uni<ShardLog> forRead(ShardInfo shard) {
        ShardLog log = logs.get(shard.shardKey());
        if (log != null && log.writerEpoch() >= 0) {
            return Uni.createFrom().item(log);
        }
        return load(shard).chain(l -> l.writerEpoch() >= 0 ? Uni.createFrom().item(l)
                : repository.head(shard.shardKey()).map(head -> {
                    l.follow(head.lastPosition(), head.arrivalMillis());
                    return l;
                }));
    }

    /**
     * Followed shards with waiting subscribers learn from storage whether new records were committed: one
     * query per interval for all of them, none while no subscriber waits on a followed shard.
     */
    private void followWaited() {
        if (!following.compareAndSet(false, true)) {
            return;
        }
        java.util.List<Long> keys = new java.util.ArrayList<>();
        for (var e : logs.entrySet()) {
            ShardLog log = e.getValue();
            if (log.writerEpoch() < 0 && log.waiterCount() > 0) {
                keys.add(e.getKey());
            }
        }
        if (keys.isEmpty()) {
            following.set(false);
            return;
        }
        repository.heads(keys).eventually(() -> following.set(false)).subscribe().with(heads -> heads.forEach((key, head) -> {
            ShardLog log = logs.get(key);
            if (log != null) {
                log.follow(head.lastPosition(), head.arrivalMillis());
            }
        }), e -> {
        });
    }

    /** Forgets a shard (its stream was deleted). */
    void drop(long shardKey) {
        ShardLog log = logs.remove(shardKey);
        if (log != null) {
            log.release();
        }
    }
}
