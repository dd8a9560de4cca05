package io.tributary.shard.service;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.tributary.shard.HashKeyRange;
import io.tributary.shard.LogException;
import io.tributary.shard.LogException.Reason;
import io.tributary.shard.ReshardPlan;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.StreamInfo;
import io.tributary.shard.StreamMode;
import io.tributary.shard.StreamStatus;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.ShardEntity;
import io.tributary.shard.storage.ShardRepository;
import io.tributary.shard.storage.StreamEntity;
import io.tributary.shard.storage.StreamRepository;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * SplitShard, MergeShards and UpdateShardCount.
 *
 * <p>A change runs to its end before the call returns, in three steps:
 * <ol>
 *   <li>the shards it closes are <em>sealed</em>: the commit pipeline gives them no more positions, and
 *       the change waits until every batch already given positions has committed or failed. Batches
 *       that arrive meanwhile are refused with {@code SHARD_CLOSED}; nothing of them is stored, so the
 *       producer side (ingest-service) sends them again to the child that owns their keys;</li>
 *   <li>one transaction closes the parents at the first position they never gave out (their
 *       {@code EndingSequenceNumber}, reserved and never used) and creates the children, which start
 *       after the highest ending position of their parents, so per key the sequence numbers keep growing
 *       across the change;</li>
 *   <li>the new shard map is published: appends for the children are accepted from then on, readers of a
 *       parent see its end and its children.</li>
 * </ol>
 * If the transaction fails, the seals are lifted and nothing changed. One change per stream runs at a
 * time; a second one meanwhile gets {@code ResourceInUseException}, as Kinesis answers while a stream is
 * {@code UPDATING}. The window without a writer is the time of one commit plus one small transaction.
 */
@ApplicationScoped
public class ReshardService {

    private final StreamCatalog catalog;
    private final ShardLogs logs;
    private final StreamRepository streams;
    private final ShardRepository shards;
    private final ShardServiceConfig config;
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private final ShardClock clock;

    public ReshardService(StreamCatalog catalog, ShardLogs logs, StreamRepository streams, ShardRepository shards,
                          ShardServiceConfig config, ShardClock clock) {
        this.clock = clock;
        this.catalog = catalog;
        this.logs = logs;
        this.streams = streams;
        this.shards = shards;
        this.config = config;
    }

    /** Splits an open shard: the lower child takes keys below {@code newStartingHashKey}, the upper the rest. */
    public Uni<StreamInfo> split(String tenantId, String name, String shardId, BigInteger newStartingHashKey) {
        return reshard(tenantId, name, stream -> ReshardPlan.split(stream, shardId, newStartingHashKey));
    }

    /** Merges two open shards with adjacent ranges into one. */
    public Uni<StreamInfo> merge(String tenantId, String name, String shardId, String adjacentShardId) {
        return reshard(tenantId, name, stream -> ReshardPlan.merge(stream, shardId, adjacentShardId));
    }

    /**
     * Reaches {@code target} open shards of equal ranges (UNIFORM_SCALING), within Kinesis's bounds: at
     * most double and at least half the current open shard count.
     */
    public Uni<ShardCountChange> updateShardCount(String tenantId, String name, int target) {
        int[] current = new int[1];
        return reshard(tenantId, name, stream -> {
            int open = stream.openShardCount();
            current[0] = open;
            if (target > 2 * open) {
                throw new LogException(Reason.LIMIT_EXCEEDED, "UpdateShardCount cannot scale stream " + name
                        + " from " + open + " to " + target + " shards: at most double the current count ("
                        + 2 * open + ").");
            }
            if (2 * target < open) {
                throw new LogException(Reason.LIMIT_EXCEEDED, "UpdateShardCount cannot scale stream " + name
                        + " from " + open + " to " + target + " shards: at least half the current count ("
                        + (open + 1) / 2 + ").");
            }
            return ReshardPlan.uniform(stream, target);
        }).map(stream -> new ShardCountChange(stream, current[0], target));
    }

    /** The outcome of {@link #updateShardCount}. */
    public record ShardCountChange(StreamInfo stream, int previousCount, int targetCount) {
    }

    private Uni<StreamInfo> reshard(String tenantId, String name, Function<StreamInfo, ReshardPlan> planner) {
        String key = tenantId + "/" + name;
        if (!busy.add(key)) {
            return Uni.createFrom().failure(new LogException(Reason.STREAM_NOT_ACTIVE, "Stream " + name
                    + " under account " + tenantId + " is being resharded (UPDATING); retry once it is ACTIVE."));
        }
        // Seals drain on the storage client's threads; the transaction must run on the caller's context.
        Context context = Vertx.currentContext();
        Executor onContext = context == null ? Runnable::run : task -> context.runOnContext(v -> task.run());
        return catalog.load(tenantId, name)
                .onItem().ifNull().failWith(() -> StreamCatalog.notFound(tenantId, name))
                .chain(stream -> {
                    if (stream.status() != StreamStatus.ACTIVE) {
                        throw new LogException(Reason.STREAM_NOT_ACTIVE, "Stream " + name + " under account "
                                + tenantId + " is " + stream.status() + ", not ACTIVE.");
                    }
                    if (stream.mode() == StreamMode.ON_DEMAND) {
                        throw new LogException(Reason.INVALID_ARGUMENT, "Stream " + name + " is in ON_DEMAND mode;"
                                + " its shards are not changed by hand. Switch it to PROVISIONED with UpdateStreamMode first.");
                    }
                    ReshardPlan plan = planner.apply(stream);
                    int maxShards = config.streams().maxShardCount();
                    if (plan.openAfter().size() > maxShards) {
                        throw new LogException(Reason.LIMIT_EXCEEDED, "Stream " + name + " would have "
                                + plan.openAfter().size() + " open shards; the limit per stream is " + maxShards + ".");
                    }
                    if (plan.steps().isEmpty()) {
                        return Uni.createFrom().item(stream);
                    }
                    List<ShardLog> sealed = new ArrayList<>();
                    return seal(stream, plan, sealed)
                            .emitOn(onContext)
                            .chain(endings -> persist(stream, plan, endings))
                            .onFailure().invoke(e -> sealed.forEach(ShardLog::unseal))
                            .invoke(updated -> publish(updated, sealed));
                })
                .eventually(() -> busy.remove(key));
    }

    /** Seals every existing shard the plan closes; the ending position of each, by shard index. */
    private Uni<Map<Integer, Long>> seal(StreamInfo stream, ReshardPlan plan, List<ShardLog> sealed) {
        Map<Integer, Long> endings = new ConcurrentHashMap<>();
        List<Uni<Void>> all = new ArrayList<>();
        for (ReshardPlan.Node n : plan.closedExisting()) {
            ShardInfo shard = stream.shard(io.tributary.shard.ShardIds.format(n.existingIndex()));
            all.add(logs.load(shard).chain(log -> {
                synchronized (sealed) {
                    sealed.add(log);
                }
                return Uni.createFrom().<Long>emitter(e -> log.seal(e::complete));
            }).invoke(next -> endings.put(n.existingIndex(), next)).replaceWithVoid());
        }
        return Uni.join().all(all).andFailFast().map(v -> endings);
    }

    @WithTransaction
    Uni<StreamInfo> persist(StreamInfo snapshot, ReshardPlan plan, Map<Integer, Long> endings) {
        return streams.findById(snapshot.id(), LockModeType.PESSIMISTIC_WRITE).chain(stream -> {
            if (stream == null || !StreamStatus.ACTIVE.name().equals(stream.status)) {
                throw new LogException(Reason.STREAM_NOT_FOUND, "Stream " + snapshot.name() + " under account "
                        + snapshot.tenantId() + " not found.");
            }
            return fence(snapshot, plan, endings).chain(fenced -> shards.findByStream(stream.id)
                    .chain(rows -> shards.countOpenShards(stream.tenantId)
                            .chain(openInAccount -> apply(stream, rows, openInAccount, plan, fenced))));
        });
    }

    /**
     * Takes the write lease of every shard the plan closes away from whichever instance holds it (the
     * epoch moves on, so none of its appends can commit after this change), then reads where each ends in
     * storage: an owner on another instance was not sealed here, so its last committed batch sets the end.
     */
    private Uni<Map<Integer, Long>> fence(StreamInfo snapshot, ReshardPlan plan, Map<Integer, Long> endings) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (ReshardPlan.Node n : plan.closedExisting()) {
            ShardInfo shard = snapshot.shard(io.tributary.shard.ShardIds.format(n.existingIndex()));
            chain = chain.chain(() -> Panache.getSession().chain(session -> session.createNativeQuery(FENCE)
                            .setParameter(1, shard.shardKey()).executeUpdate()
                            .chain(() -> session.createNativeQuery(LAST_POSITION, Long.class)
                                    .setParameter(1, shard.shardKey()).getSingleResultOrNull())))
                    .invoke(last -> {
                        if (last != null) {
                            endings.merge(n.existingIndex(), last + 1, Math::max);
                        }
                    })
                    .replaceWithVoid();
        }
        return chain.map(v -> endings);
    }

    private static final String FENCE = """
            INSERT INTO shard_leases (shard_key, owner_id, epoch, acquired_at) VALUES (?1, NULL, 1, now())
            ON CONFLICT (shard_key) DO UPDATE SET owner_id = NULL, epoch = shard_leases.epoch + 1, acquired_at = now()
            """;
    private static final String LAST_POSITION = "SELECT max(last_position) FROM record_batches WHERE shard_key = ?1";

    private Uni<StreamInfo> apply(StreamEntity stream, List<ShardEntity> rows, long openInAccount, ReshardPlan plan,
                                  Map<Integer, Long> endings) {
        Map<Integer, ShardEntity> byIndex = new HashMap<>();
        for (ShardEntity row : rows) {
            byIndex.put(row.shardIndex, row);
        }
        for (ReshardPlan.Node n : plan.closedExisting()) {
            ShardEntity row = byIndex.get(n.existingIndex());
            if (row == null || row.endingPosition != null) {
                // Another instance changed the stream since the snapshot was taken.
                throw new LogException(Reason.STREAM_NOT_ACTIVE, "Stream " + stream.name
                        + " changed while it was being resharded; retry.");
            }
        }
        // Shards created and closed within the change never hold records: only the net change counts.
        int added = plan.openAfter().size() - countOpen(rows);
        int limit = config.streams().maxOpenShardsPerAccount();
        if (added > 0 && openInAccount + added > limit) {
            throw new LogException(Reason.LIMIT_EXCEEDED, "This request would exceed the shard limit for the account "
                    + stream.tenantId + " (" + openInAccount + " open shards + " + added + " > " + limit + ").");
        }
        Instant now = clock.now();
        Map<ReshardPlan.Node, ShardEntity> entities = new HashMap<>();
        List<ShardEntity> created = new ArrayList<>();
        Function<ReshardPlan.Node, ShardEntity> entity = n -> n.existing() ? byIndex.get(n.existingIndex()) : entities.get(n);
        for (ReshardPlan.Step step : plan.steps()) {
            if (step instanceof ReshardPlan.Split split) {
                ShardEntity parent = close(entity.apply(split.parent()), endings, now);
                long start = parent.endingPosition + 1;
                for (ReshardPlan.Node child : List.of(split.lower(), split.upper())) {
                    ShardEntity row = newShard(stream, child.range(), parent.shardIndex, null, start, now);
                    entities.put(child, row);
                    created.add(row);
                }
            } else if (step instanceof ReshardPlan.Merge merge) {
                ShardEntity parent = close(entity.apply(merge.parent()), endings, now);
                ShardEntity adjacent = close(entity.apply(merge.adjacentParent()), endings, now);
                long start = Math.max(parent.endingPosition, adjacent.endingPosition) + 1;
                ShardEntity row = newShard(stream, merge.child().range(), parent.shardIndex, adjacent.shardIndex, start, now);
                entities.put(merge.child(), row);
                created.add(row);
            }
        }
        return shards.persist(created).chain(() -> shards.flush()).map(v -> {
            List<ShardEntity> all = new ArrayList<>(rows);
            all.addAll(created);
            all.sort(Comparator.comparingInt(r -> r.shardIndex));
            return StreamCatalog.toInfo(stream, all);
        });
    }

    private static int countOpen(List<ShardEntity> rows) {
        int n = 0;
        for (ShardEntity r : rows) {
            if (r.endingPosition == null) {
                n++;
            }
        }
        return n;
    }

    /**
     * Closes a shard: an existing one at the position its seal reported, one created earlier in the same
     * change (empty) at its starting position. Either way the ending position is reserved, never used.
     */
    private static ShardEntity close(ShardEntity row, Map<Integer, Long> endings, Instant now) {
        Long sealedAt = endings.get(row.shardIndex);
        row.endingPosition = sealedAt != null ? Math.max(sealedAt, row.startingPosition) : row.startingPosition;
        row.closedAt = now;
        return row;
    }

    private static ShardEntity newShard(StreamEntity stream, HashKeyRange range, int parentIndex,
                                        Integer adjacentParentIndex, long startingPosition, Instant now) {
        ShardEntity row = new ShardEntity();
        row.streamId = stream.id;
        row.shardIndex = stream.nextShardIndex++;
        row.hashStart = new BigDecimal(range.start());
        row.hashEnd = new BigDecimal(range.end());
        row.parentIndex = parentIndex;
        row.adjacentParentIndex = adjacentParentIndex;
        row.startingPosition = startingPosition;
        row.createdAt = now;
        return row;
    }

    /** Makes the committed change visible: the new map, and the end of every closed parent. */
    private void publish(StreamInfo updated, List<ShardLog> sealed) {
        catalog.put(updated);
        for (ShardLog log : sealed) {
            ShardInfo closed = updated.shard(log.shard.shardId());
            if (closed != null) {
                log.close(closed, updated.childrenOf(closed.index()));
            }
        }
    }
}
