package io.tributary.shard.service;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.tributary.shard.Retention;
import io.tributary.shard.RetentionTiers;
import io.tributary.shard.StreamStatus;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.BatchPartition;
import io.tributary.shard.storage.BatchRepository;
import io.tributary.shard.storage.RetentionTierChangeEntity;
import io.tributary.shard.storage.ShardEntity;
import io.tributary.shard.storage.ShardRepository;
import io.tributary.shard.storage.StreamEntity;
import io.tributary.shard.storage.StreamRepository;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Storage housekeeping, on a schedule:
 * <ul>
 *   <li>the daily partitions of every retention tier in use are created ahead of time (appends never wait
 *       for DDL);</li>
 *   <li>partitions whose every batch has expired ({@link Retention#droppable}) are detached concurrently
 *       and dropped whole: storage comes back without a single row-by-row {@code DELETE};</li>
 *   <li>a deleted stream's batches are erased in the background, a few dozen rows per transaction, with a
 *       pause after each ({@code storage.erase-pause-ratio} times the transaction's time) and at most
 *       {@code storage.erase-time-per-round} per round, so that its space is reused by other
 *       streams' writes (PostgreSQL's vacuum frees it for them) long before its partitions would
 *       expire; a deleted stream holds no partition back either. Its metadata row (status
 *       {@code DELETING}, name free for reuse) goes once its last batch is gone, or once all its batches
 *       have expired, whichever comes first.</li>
 * </ul>
 */
@ApplicationScoped
public class StorageMaintenance {

    private static final Logger LOG = Logger.getLogger(StorageMaintenance.class);

    /**
     * Rows per erasing transaction: small enough that no lock or WAL burst stands out. A row holds at most
     * {@code storage.row-bytes} of records unless one record is larger (and rows of earlier versions one
     * whole batch), so {@link #ERASE_BYTES} is what usually ends a transaction.
     */
    public static final int ERASE_ROWS = 512;

    /**
     * Stored bytes after which an erasing transaction stops taking rows: the pages it touches may all be
     * written to the WAL whole after a checkpoint, and live commits wait behind its flush.
     */
    public static final long ERASE_BYTES = 4L * 1024 * 1024;

    private final BatchRepository batches;
    private final StreamRepository streams;
    private final ShardRepository shards;
    private final ShardServiceConfig config;
    private final ShardClock clock;
    private final Vertx vertx;
    /** Set when the service stops: an erasing round in its pauses ends instead of outliving the database sessions. */
    private volatile boolean stopping;

    public StorageMaintenance(BatchRepository batches, StreamRepository streams, ShardRepository shards,
                              ShardServiceConfig config, ShardClock clock, Vertx vertx) {
        this.vertx = vertx;
        this.batches = batches;
        this.streams = streams;
        this.shards = shards;
        this.config = config;
        this.clock = clock;
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    /** Appends need today's partitions: create them before the service takes traffic. */
    void onStart(@Observes StartupEvent event) throws Throwable {
        // Startup is allowed to block: nothing is served until the partitions exist. Sessions need a Vert.x
        // context, which the startup thread does not have.
        io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(() -> ensurePartitions()
                .ifNoItem().after(Duration.ofMinutes(1)).fail());
    }

    @Scheduled(every = "${tributary.shard.storage.maintenance-interval}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> scheduled() {
        return maintain().onFailure().invoke(e -> {
                    if (stopping) {
                        LOG.debugf("storage maintenance interrupted by the service stopping: %s", e.toString());
                    } else {
                        LOG.warnf(e, "storage maintenance failed; it runs again later");
                    }
                })
                .onFailure().recoverWithNull();
    }

    /** One round of housekeeping. */
    public Uni<Void> maintain() {
        return ensurePartitions().chain(this::dropExpiredPartitions).chain(this::eraseDeletedStreams)
                .chain(this::purgeDeletedStreams);
    }

    /** Creates the partitions of every tier a live stream writes to, from today (or yesterday) to the days ahead. */
    Uni<Void> ensurePartitions() {
        return tiersInUse().chain(tiers -> Multi.createFrom().iterable(tiers)
                .onItem().transformToUniAndConcatenate(this::ensureTier)
                .collect().last().replaceWithVoid());
    }

    /**
     * Creates the partitions of one tier, from today to the days ahead (before a stream writes to it), and
     * yesterday's while it may still receive a batch ({@link Retention#PARTITION_GRACE_MILLIS} into today):
     * after that it is no longer created, so that a day dropped as unneeded stays dropped.
     */
    public Uni<Void> ensureTier(int tier) {
        LocalDate today = clock.today();
        long todayStart = today.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        int first = clock.millis() < todayStart + Retention.PARTITION_GRACE_MILLIS ? -1 : 0;
        return Multi.createFrom().range(first, config.storage().partitionsAhead() + 1)
                .onItem().transformToUniAndConcatenate(d -> batches.ensurePartition(tier, today.plusDays(d)))
                .collect().last().replaceWithVoid();
    }

    @WithSession
    Uni<Set<Integer>> tiersInUse() {
        return streams.listAll().map(all -> {
            Set<Integer> tiers = new TreeSet<>();
            tiers.add(RetentionTiers.tierOf(config.streams().defaultRetentionHours()));
            for (StreamEntity s : all) {
                if (!StreamStatus.DELETING.name().equals(s.status)) {
                    tiers.add(RetentionTiers.tierOf(s.retentionHours));
                }
            }
            return tiers;
        });
    }

    /** Drops every partition no stream needs any more. */
    Uni<Void> dropExpiredPartitions() {
        return terms().chain(terms -> batches.partitions().chain(partitions -> {
            long now = clock.millis();
            List<BatchPartition> expired = new ArrayList<>();
            for (BatchPartition p : partitions) {
                if (Retention.droppable(p.tier(), p.day(), terms.streams(), terms.changes(), now)) {
                    expired.add(p);
                }
            }
            return Multi.createFrom().iterable(expired)
                    .onItem().transformToUniAndConcatenate(p -> batches.dropPartition(p)
                            .invoke(() -> LOG.infof("dropped expired partition of retention tier %dh for %s", p.tier(), p.day())))
                    .collect().last().replaceWithVoid();
        }));
    }

    /**
     * Erases the batches of deleted streams, stream by stream, until none is left or this round's time is
     * up; a stream whose last batch is gone loses its metadata row too.
     */
    Uni<Void> eraseDeletedStreams() {
        long budget = config.storage().eraseTimePerRound().toNanos();
        if (budget <= 0) {
            return Uni.createFrom().voidItem();
        }
        long deadline = System.nanoTime() + budget;
        return deletedStreamShards().chain(deleted -> Multi.createFrom().iterable(deleted.entrySet())
                .onItem().transformToUniAndConcatenate(e -> eraseStream(e.getKey(), e.getValue(), deadline))
                .collect().last().replaceWithVoid());
    }

    private Uni<Void> eraseStream(long streamId, List<Long> shardKeys, long deadline) {
        if (System.nanoTime() >= deadline || stopping) {
            return Uni.createFrom().voidItem();
        }
        AtomicLong erased = new AtomicLong();
        AtomicInteger last = new AtomicInteger(-1);
        Uni<Integer> round = shardKeys.isEmpty() ? Uni.createFrom().item(0)
                : Uni.createFrom().deferred(() -> {
                    long started = System.nanoTime();
                    return batches.erase(shardKeys, ERASE_ROWS, ERASE_BYTES).call(n -> pause(n, System.nanoTime() - started));
                });
        return round.invoke(n -> {
                    erased.addAndGet(n);
                    last.set(n);
                })
                .repeat().whilst(n -> n > 0 && !stopping && System.nanoTime() < deadline)
                .collect().last()
                .chain(() -> {
                    if (erased.get() > 0) {
                        LOG.infof("erased %d stored batches of deleted stream %d", erased.get(), streamId);
                    }
                    return last.get() == 0 ? deleteStreamRows(List.of(streamId)) : Uni.createFrom().voidItem();
                });
    }

    /**
     * The pause after an erasing transaction that took {@code tookNanos}: {@code erase-pause-ratio} times as
     * long, on a Vert.x timer (the chain goes on on the caller's context). It is taken even when it ends
     * past the round's deadline (the round then ends after it), so no transaction ever follows another
     * without its pause; none after a stream's last transaction.
     */
    private Uni<Void> pause(int erased, long tookNanos) {
        long pauseNanos = tookNanos * config.storage().erasePauseRatio();
        if (erased == 0 || pauseNanos <= 0 || stopping) {
            return Uni.createFrom().voidItem();
        }
        long millis = Math.max(1, pauseNanos / 1_000_000);
        return Uni.createFrom().emitter(e -> vertx.setTimer(millis, id -> e.complete(null)));
    }

    /** The storage keys of every deleted stream's shards, by stream. */
    @WithSession
    Uni<Map<Long, List<Long>>> deletedStreamShards() {
        return streams.list("status", StreamStatus.DELETING.name()).chain(deleted -> {
            Map<Long, List<Long>> byStream = new LinkedHashMap<>();
            for (StreamEntity s : deleted) {
                byStream.put(s.id, new ArrayList<>());
            }
            if (byStream.isEmpty()) {
                return Uni.createFrom().item(byStream);
            }
            return shards.list("streamId in ?1", new ArrayList<>(byStream.keySet())).map(rows -> {
                for (ShardEntity shard : rows) {
                    byStream.get(shard.streamId).add(shard.shardKey);
                }
                return byStream;
            });
        });
    }

    /** Removes deleted streams whose batches have all expired. */
    Uni<Void> purgeDeletedStreams() {
        return terms().chain(terms -> {
            long now = clock.millis();
            List<Long> purge = new ArrayList<>();
            for (Retention.StreamTerm s : terms.streams()) {
                if (Retention.purgeable(s, now)) {
                    purge.add(s.streamId());
                }
            }
            return purge.isEmpty() ? Uni.createFrom().voidItem() : deleteStreamRows(purge);
        });
    }

    @WithTransaction
    Uni<Void> deleteStreamRows(List<Long> ids) {
        // Shards, tags and tier changes go with the stream (ON DELETE CASCADE).
        return streams.delete("id in ?1 and status = ?2", ids, StreamStatus.DELETING.name())
                .invoke(n -> LOG.infof("removed %d deleted stream(s) whose data is gone", n))
                .replaceWithVoid();
    }

    @WithSession
    Uni<Terms> terms() {
        return streams.listAll().chain(all -> RetentionTierChangeEntity.<RetentionTierChangeEntity>listAll().map(changes -> {
            List<Retention.StreamTerm> terms = new ArrayList<>(all.size());
            for (StreamEntity s : all) {
                terms.add(new Retention.StreamTerm(s.id, s.retentionHours, RetentionTiers.tierOf(s.retentionHours),
                        s.createdAt.toEpochMilli(), s.deletedAt == null ? -1 : s.deletedAt.toEpochMilli()));
            }
            List<Retention.TierChange> tierChanges = new ArrayList<>(changes.size());
            for (RetentionTierChangeEntity c : changes) {
                tierChanges.add(new Retention.TierChange(c.streamId, c.oldTier, c.changedAt.toEpochMilli()));
            }
            return new Terms(terms, tierChanges);
        }));
    }

    /** What retention decisions are made from. */
    record Terms(List<Retention.StreamTerm> streams, List<Retention.TierChange> changes) {
    }
}
