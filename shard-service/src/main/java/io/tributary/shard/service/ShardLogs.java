package io.tributary.shard.service;

import io.smallrye.mutiny.Uni;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.BatchRepository;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link ShardLog}s of the shards this instance serves, created on first use from the newest batch
 * in storage: positions continue after the last committed one, so none is ever reused after a restart.
 */
@ApplicationScoped
public class ShardLogs {

    private final ConcurrentHashMap<Long, ShardLog> logs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Uni<ShardLog>> loading = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong tailBytes = new java.util.concurrent.atomic.AtomicLong();
    private final BatchRepository repository;
    private final ShardServiceConfig config;

    public ShardLogs(BatchRepository repository, ShardServiceConfig config, io.opentelemetry.api.metrics.Meter meter) {
        this.repository = repository;
        this.config = config;
        meter.gaugeBuilder("tributary.shard.tail.bytes").ofLongs()
                .setDescription("Bytes of recently committed records kept in memory for live readers").setUnit("By")
                .buildWithCallback(m -> m.record(tailBytes.get()));
    }

    /** The shard's log if it is already loaded, else {@code null}. */
    ShardLog loaded(ShardInfo shard) {
        return logs.get(shard.shardKey());
    }

    /** The shard's log, loading it once however many callers ask at the same time. */
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

    /** Forgets a shard (its stream was deleted). */
    void drop(long shardKey) {
        ShardLog log = logs.remove(shardKey);
        if (log != null) {
            log.release();
        }
    }
}
