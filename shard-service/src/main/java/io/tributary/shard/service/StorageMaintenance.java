package io.tributary.shard.service;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.tributary.shard.StreamStatus;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.BatchRepository;
import io.tributary.shard.storage.ShardEntity;
import io.tributary.shard.storage.ShardRepository;
import io.tributary.shard.storage.StreamEntity;
import io.tributary.shard.storage.StreamRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Keeps the batch table's daily partitions created ahead of time, and purges deleted streams: their
 * batches in small chunks (never one long DELETE), then their metadata.
 */
@ApplicationScoped
public class StorageMaintenance {

    private static final Logger LOG = Logger.getLogger(StorageMaintenance.class);

    private final BatchRepository batches;
    private final StreamRepository streams;
    private final ShardRepository shards;
    private final ShardLogs logs;
    private final ShardServiceConfig config;

    public StorageMaintenance(BatchRepository batches, StreamRepository streams, ShardRepository shards,
                              ShardLogs logs, ShardServiceConfig config) {
        this.batches = batches;
        this.streams = streams;
        this.shards = shards;
        this.logs = logs;
        this.config = config;
    }

    /** Appends need today's partition: create the partitions before the service takes traffic. */
    void onStart(@Observes StartupEvent event) {
        // Startup is allowed to block: nothing is served until the partitions exist.
        ensurePartitions().await().atMost(Duration.ofMinutes(1));
    }

    @Scheduled(every = "${tributary.shard.storage.maintenance-interval}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> maintain() {
        return ensurePartitions().chain(this::purgeDeletedStreams)
                .onFailure().invoke(e -> LOG.warnf(e, "storage maintenance failed; it runs again later"))
                .onFailure().recoverWithNull();
    }

    Uni<Void> ensurePartitions() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        return Multi.createFrom().range(-1, config.storage().partitionsAhead() + 1)
                .onItem().transformToUniAndConcatenate(d -> batches.ensurePartition(today.plusDays(d)))
                .collect().last().replaceWithVoid();
    }

    /** Purges every stream marked DELETING. */
    @WithSession
    Uni<Void> purgeDeletedStreams() {
        return streams.listByStatus(StreamStatus.DELETING.name()).chain(deleting -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (StreamEntity s : deleting) {
                chain = chain.chain(() -> purgeStream(s));
            }
            return chain;
        });
    }

    private Uni<Void> purgeStream(StreamEntity stream) {
        return shards.findByStream(stream.id).chain(list -> purgeShards(list, 0))
                .chain(() -> deleteStreamRow(stream.id))
                .invoke(() -> LOG.infof("purged deleted stream %s of tenant %s", stream.name, stream.tenantId));
    }

    private Uni<Void> purgeShards(List<ShardEntity> list, int i) {
        if (i >= list.size()) {
            return Uni.createFrom().voidItem();
        }
        long key = list.get(i).shardKey;
        logs.drop(key);
        return purgeShard(key).chain(() -> purgeShards(list, i + 1));
    }

    private Uni<Void> purgeShard(long shardKey) {
        int chunk = config.storage().purgeChunk();
        return batches.purge(shardKey, chunk).chain(n -> n >= chunk ? purgeShard(shardKey) : Uni.createFrom().voidItem());
    }

    @WithTransaction
    Uni<Void> deleteStreamRow(long streamId) {
        return streams.deleteById(streamId).replaceWithVoid();
    }
}
