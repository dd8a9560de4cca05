package io.tributary.shard.service;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.tributary.shard.config.ShardServiceConfig;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * Which shard-service instance may append to which shard.
 *
 * <p>Every instance keeps a row in {@code shard_service_instances} alive (renewed every
 * {@code ownership.renew-interval}; dead once not renewed for {@code ownership.lease-duration}). A shard's
 * write lease ({@code shard_leases}) names its owner and a fencing epoch; every batch is inserted through
 * the fence {@code shard_lease_holds(shard, epoch)}, which share-locks the lease row until the batch
 * commits. So:
 * <ul>
 *   <li>a lease is taken ({@link #claim}) only when it is free, its owner is dead, or it is already ours,
 *       and taking it raises the epoch: appends of the previous owner still in flight finish first (the
 *       takeover waits for their lock), later ones fail the fence and are never stored;</li>
 *   <li>the new owner reads the shard's last committed position only after its claim committed, so it
 *       continues exactly after the last batch of the previous owner: no position is given twice.</li>
 * </ul>
 * Shards are claimed on the first append that reaches an instance (ingest-service sends a shard without
 * owner to one live instance chosen by rendezvous hashing, so they spread), and the shards of a dead
 * instance are taken over by the live ones within one renew interval after its lease expired, each live
 * instance taking those that hash to it. An instance that stops cleanly frees its leases at once.
 */
@ApplicationScoped
public class ShardOwnership {

    private static final Logger LOG = Logger.getLogger(ShardOwnership.class);

    private static final String HEARTBEAT = """
            INSERT INTO shard_service_instances (instance_id, grpc_endpoint, started_at, expires_at)
            VALUES ($1, $2, now(), now() + make_interval(secs => $3))
            ON CONFLICT (instance_id) DO UPDATE SET expires_at = excluded.expires_at, grpc_endpoint = excluded.grpc_endpoint
            """;
    private static final String HELD = "SELECT shard_key, epoch FROM shard_leases WHERE owner_id = $1";
    private static final String CLAIM = """
            INSERT INTO shard_leases AS l (shard_key, owner_id, epoch, acquired_at)
            SELECT $1, $2, 1, now() WHERE EXISTS (SELECT 1 FROM shards s WHERE s.shard_key = $1 AND s.ending_position IS NULL)
            ON CONFLICT (shard_key) DO UPDATE SET owner_id = excluded.owner_id, epoch = l.epoch + 1, acquired_at = now()
            WHERE l.owner_id IS NULL OR l.owner_id = excluded.owner_id
               OR NOT EXISTS (SELECT 1 FROM shard_service_instances i WHERE i.instance_id = l.owner_id AND i.expires_at > now())
            RETURNING epoch
            """;
    /**
     * Takes over the lease of a shard whose owner is dead. Unlike {@link #CLAIM} it never re-takes a lease
     * this instance already holds: a renewal that read the orphans before an append claimed the shard must
     * not raise the epoch under that append (which the fence would then refuse).
     */
    private static final String TAKE_OVER = """
            UPDATE shard_leases l SET owner_id = $2, epoch = l.epoch + 1, acquired_at = now()
            WHERE l.shard_key = $1 AND l.owner_id IS NOT NULL AND l.owner_id <> $2
              AND NOT EXISTS (SELECT 1 FROM shard_service_instances i WHERE i.instance_id = l.owner_id AND i.expires_at > now())
              AND EXISTS (SELECT 1 FROM shards s WHERE s.shard_key = l.shard_key AND s.ending_position IS NULL)
            RETURNING epoch
            """;
    private static final String ORPHANS = """
            SELECT l.shard_key FROM shard_leases l JOIN shards s ON s.shard_key = l.shard_key AND s.ending_position IS NULL
            WHERE l.owner_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM shard_service_instances i WHERE i.instance_id = l.owner_id AND i.expires_at > now())
            """;
    private static final String LIVE = """
            SELECT instance_id, grpc_endpoint, started_at < now() - make_interval(secs => $1) AS settled
            FROM shard_service_instances WHERE expires_at > now() ORDER BY instance_id
            """;
    private static final String HAND_OFF = """
            UPDATE shard_leases SET owner_id = NULL, epoch = epoch + 1, acquired_at = now()
            WHERE shard_key = ANY($1) AND owner_id = $2 RETURNING shard_key
            """;
    /** At most this many shards are handed to other instances per renewal, so a join moves shards gradually. */
    static final int MAX_HAND_OFFS_PER_RENEWAL = 16;
    private static final String OWNERS = """
            SELECT l.shard_key, i.grpc_endpoint FROM shard_leases l
            JOIN shard_service_instances i ON i.instance_id = l.owner_id AND i.expires_at > now()
            WHERE l.shard_key = ANY($1)
            """;
    private static final String RELEASE = "UPDATE shard_leases SET owner_id = NULL WHERE owner_id = $1";
    private static final String LEAVE = "DELETE FROM shard_service_instances WHERE instance_id = $1";
    private static final String FORGET_DEAD = "DELETE FROM shard_service_instances WHERE expires_at < now() - interval '1 day'";

    private final String instanceId = UUID.randomUUID().toString();
    private final String endpoint;
    private final Pool pool;
    private final Vertx vertx;
    private final ShardServiceConfig.Ownership config;
    /** Shards whose lease this instance holds, with the epoch it appends under. */
    private final ConcurrentHashMap<Long, Long> held = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Uni<Long>> claiming = new ConcurrentHashMap<>();
    private final List<LongConsumer> lostListeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean checking = new AtomicBoolean();
    /** A check was asked for while one ran, which may have read the leases before they moved: run again. */
    private final AtomicBoolean checkAgain = new AtomicBoolean();
    private volatile boolean running;
    private long timer = -1;

    public ShardOwnership(Pool pool, Vertx vertx, ShardServiceConfig config) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config.ownership();
        this.endpoint = config.ownership().advertisedEndpoint().orElseGet(() -> "localhost:" + grpcPort());
    }

    private static int grpcPort() {
        var cfg = ConfigProvider.getConfig();
        String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.grpc.server.test-port" : "quarkus.grpc.server.port";
        return cfg.getOptionalValue(key, Integer.class).orElse(9000);
    }

    /** This instance's id in {@code shard_service_instances}. */
    public String instanceId() {
        return instanceId;
    }

    /** This instance's gRPC endpoint as advertised to writers. */
    public String endpoint() {
        return endpoint;
    }

    void onStart(@Observes @Priority(10) StartupEvent event) {
        // Registered before anything is served, so the first claim already finds this instance live.
        heartbeat().await().atMost(Duration.ofSeconds(30));
        running = true;
        timer = vertx.setPeriodic(config.renewInterval().toMillis(), id -> tick());
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        List<Long> mine = new ArrayList<>(held.keySet());
        held.clear();
        mine.forEach(this::notifyLost);
        // Frees the leases at once, so other instances need not wait for them to expire.
        try {
            pool.preparedQuery(RELEASE).execute(Tuple.of(instanceId))
                    .chain(() -> pool.preparedQuery(LEAVE).execute(Tuple.of(instanceId)))
                    .await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.warnf("Could not free the shard leases of instance %s at shutdown (they expire by themselves): %s",
                    instanceId, e.getMessage());
        }
    }

    /** Runs {@code listener} with the shard key whenever this instance loses a shard's lease. */
    public void onLost(LongConsumer listener) {
        lostListeners.add(listener);
    }

    /** The epoch this instance appends to a shard under, or -1 when it does not hold the shard's lease. */
    public long epoch(long shardKey) {
        Long e = held.get(shardKey);
        return e == null ? -1 : e;
    }

    /**
     * Takes the write lease of an open shard if it is free, its owner is dead, or this instance holds it.
     *
     * @return the new epoch, or -1 when a live instance owns the shard or the shard is not open
     */
    public Uni<Long> claim(long shardKey) {
        return claim(shardKey, true);
    }

    /**
     * @param onlyIfPreferred take the shard only when rendezvous hashing over the live instances picks this
     *                        one, so that a shard handed to another instance is not taken straight back by a
     *                        writer with an old shard map
     */
    private Uni<Long> claim(long shardKey, boolean onlyIfPreferred) {
        if (onlyIfPreferred) {
            return pool.preparedQuery(LIVE).execute(Tuple.of(leaseSeconds())).chain(live -> {
                List<String> ids = new ArrayList<>();
                for (Row row : live) {
                    ids.add(row.getString(0));
                }
                if (!ids.contains(instanceId)) {
                    ids.add(instanceId);
                }
                return instanceId.equals(io.tributary.shard.Rendezvous.pick(Long.toString(shardKey), ids))
                        ? claim(shardKey, false) : Uni.createFrom().item(-1L);
            });
        }
        return claiming.computeIfAbsent(shardKey, k -> take(CLAIM, k)
                .invoke(epoch -> {
                    if (epoch > 0) {
                        LOG.debugf("instance %s took shard %d at epoch %d", instanceId, k, epoch);
                    }
                })
                .eventually(() -> {
                    claiming.remove(k);
                })
                .memoize().indefinitely());
    }

    /**
     * Records a lease taken at {@code epoch}. Answers of two claims of one shard may arrive in either
     * order; epochs only rise, so the higher one is the lease in storage.
     */
    private void hold(long shardKey, long epoch) {
        held.merge(shardKey, epoch, Math::max);
    }

    /**
     * Where writers send each of the given open shards: the gRPC endpoint of the live instance holding
     * its lease, or, for a shard without a live owner, of the live instance rendezvous hashing gives it to
     * (the one that also takes it over when its owner died). Shards are missing when no instance is live.
     */
    public Uni<Map<Long, String>> routes(List<Long> shardKeys) {
        return pool.preparedQuery(OWNERS).execute(Tuple.of(shardKeys.toArray(new Long[0]))).chain(owned ->
                pool.preparedQuery(LIVE).execute(Tuple.of(leaseSeconds())).map(live -> {
                    Map<String, String> endpoints = new java.util.LinkedHashMap<>();
                    for (Row row : live) {
                        endpoints.put(row.getString(0), row.getString(1));
                    }
                    List<String> ids = new ArrayList<>(endpoints.keySet());
                    Map<Long, String> out = new HashMap<>();
                    for (Row row : owned) {
                        out.put(row.getLong(0), row.getString(1));
                    }
                    for (Long key : shardKeys) {
                        if (!out.containsKey(key)) {
                            String id = io.tributary.shard.Rendezvous.pick(Long.toString(key), ids);
                            if (id != null) {
                                out.put(key, endpoints.get(id));
                            }
                        }
                    }
                    return out;
                }));
    }

    private static final String FENCE_STREAM = """
            INSERT INTO shard_leases (shard_key, owner_id, epoch, acquired_at)
            SELECT shard_key, NULL, 1, now() FROM shards WHERE stream_id = ?1 AND ending_position IS NULL
            ON CONFLICT (shard_key) DO UPDATE SET owner_id = NULL, epoch = shard_leases.epoch + 1, acquired_at = now()
            """;
    private static final String OPEN_SHARDS = "SELECT shard_key FROM shards WHERE stream_id = ?1 AND ending_position IS NULL";

    /**
     * Within the caller's transaction: takes the write lease of every open shard of a stream away from
     * whichever instance holds it (no owner, a higher epoch), so that no batch commits after the caller's
     * change under a writer's older view of the stream. The lease rows stay locked until the caller
     * commits; the next append to each shard takes its lease again and reads the stream anew. Used by
     * every change writers must see: retention (the tier batches are stored in), encryption, deletion.
     */
    public Uni<Void> fenceStream(long streamId) {
        return io.quarkus.hibernate.reactive.panache.Panache.getSession().chain(session -> session.createNativeQuery(FENCE_STREAM)
                        .setParameter(1, streamId).executeUpdate()
                        .chain(() -> session.createNativeQuery(OPEN_SHARDS, Long.class).setParameter(1, streamId).getResultList()))
                .invoke(keys -> {
                    for (Long k : keys) {
                        if (held.remove(k) != null) {
                            notifyLost(k);
                        }
                    }
                })
                .replaceWithVoid();
    }

    /**
     * An append was refused by the fence: some lease of this instance moved on. The lease the refusal names
     * is dropped at once, so the shard's next append takes it again or is sent to its new owner instead of
     * being refused once more. Every other lease is checked now instead of at the next renewal; when a
     * renewal is already running (it may have read the leases before they moved), once more after it.
     *
     * @param refusal the failure of the refused statement; its message names the shard and the epoch
     */
    public void fenced(Throwable refusal) {
        for (Throwable c = refusal; c != null; c = c.getCause()) {
            java.util.regex.Matcher m = FENCE_REFUSAL.matcher(String.valueOf(c.getMessage()));
            if (m.find()) {
                long shardKey = Long.parseLong(m.group(1));
                if (held.remove(shardKey, Long.parseLong(m.group(2)))) {
                    LOG.infof("instance %s lost the write lease of shard %d (an append was fenced)", instanceId, shardKey);
                    notifyLost(shardKey);
                }
                break;
            }
        }
        check();
    }

    /** The message of {@code shard_lease_holds} refusing a writer (see the V11 migration). */
    private static final java.util.regex.Pattern FENCE_REFUSAL =
            java.util.regex.Pattern.compile("write lease of shard (\\d+) is no longer held at epoch (\\d+)");

    private void tick() {
        if (running) {
            check();
        }
    }

    /** One renewal: stay live, notice leases lost meanwhile, take over the shards of dead instances. */
    private void check() {
        // Asked for before trying to start: a check that is ending clears `checking` first and reads this
        // after, so a request that finds one running is never missed.
        checkAgain.set(true);
        if (!checking.compareAndSet(false, true)) {
            return;
        }
        checkAgain.set(false);
        heartbeat()
                .chain(this::reconcile)
                .chain(this::takeOverOrphans)
                .chain(this::rebalance)
                .eventually(() -> checking.set(false))
                .subscribe().with(v -> checkAgainIfAsked(),
                        e -> {
                            LOG.warnf("Shard lease renewal of instance %s failed: %s", instanceId, e.getMessage());
                            checkAgainIfAsked();
                        });
    }

    private void checkAgainIfAsked() {
        if (checkAgain.get() && running) {
            check();
        }
    }

    private Uni<Void> heartbeat() {
        return pool.preparedQuery(HEARTBEAT).execute(Tuple.of(instanceId, endpoint, leaseSeconds())).replaceWithVoid();
    }

    private double leaseSeconds() {
        return config.leaseDuration().toMillis() / 1000.0;
    }

    /**
     * Hands shards to the instances rendezvous hashing prefers for them, once those have been live for a
     * lease duration (a joining instance gets its share; one that flaps does not pull shards back and
     * forth). The lease is freed at a higher epoch, so appends still in flight here fail the fence and
     * their writers send them again to the new owner, which takes the shard on their first batch.
     */
    private Uni<Void> rebalance() {
        if (held.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery(LIVE).execute(Tuple.of(leaseSeconds())).chain(live -> {
            List<String> settled = new ArrayList<>();
            for (Row row : live) {
                if (row.getBoolean(2) || row.getString(0).equals(instanceId)) {
                    settled.add(row.getString(0));
                }
            }
            if (settled.size() < 2) {
                return Uni.createFrom().voidItem();
            }
            List<Long> handOff = new ArrayList<>();
            for (Long key : held.keySet()) {
                if (handOff.size() < MAX_HAND_OFFS_PER_RENEWAL
                        && !instanceId.equals(io.tributary.shard.Rendezvous.pick(Long.toString(key), settled))) {
                    handOff.add(key);
                }
            }
            if (handOff.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            return pool.preparedQuery(HAND_OFF).execute(Tuple.of(handOff.toArray(new Long[0]), instanceId)).invoke(rows -> {
                for (Row row : rows) {
                    long key = row.getLong(0);
                    if (held.remove(key) != null) {
                        LOG.infof("instance %s handed shard %d to the instance that rendezvous hashing prefers", instanceId, key);
                        notifyLost(key);
                    }
                }
            }).replaceWithVoid();
        });
    }

    /**
     * Drops the leases whose row no longer names this instance at the epoch it appends under. Only leases
     * held before the query are checked: one claimed while it ran is missing from its (older) answer
     * without having been lost.
     */
    private Uni<Void> reconcile() {
        Map<Long, Long> before = Map.copyOf(held);
        return pool.preparedQuery(HELD).execute(Tuple.of(instanceId)).map(rows -> {
            Map<Long, Long> inStorage = new HashMap<>();
            for (Row row : rows) {
                inStorage.put(row.getLong(0), row.getLong(1));
            }
            for (Map.Entry<Long, Long> e : before.entrySet()) {
                Long stored = inStorage.get(e.getKey());
                if (stored == null || !stored.equals(e.getValue())) {
                    if (held.remove(e.getKey(), e.getValue())) {
                        LOG.infof("instance %s lost the write lease of shard %d", instanceId, e.getKey());
                        notifyLost(e.getKey());
                    }
                }
            }
            return null;
        });
    }

    /** Claims the open shards of dead instances that rendezvous hashing gives to this instance. */
    private Uni<Void> takeOverOrphans() {
        return pool.preparedQuery(ORPHANS).execute().chain(orphans -> {
            if (orphans.size() == 0) {
                return Uni.createFrom().voidItem();
            }
            return pool.preparedQuery(LIVE).execute(Tuple.of(leaseSeconds())).chain(live -> {
                List<String> ids = new ArrayList<>();
                for (Row row : live) {
                    ids.add(row.getString(0));
                }
                List<Uni<Long>> claims = new ArrayList<>();
                for (Row row : orphans) {
                    long shardKey = row.getLong(0);
                    if (instanceId.equals(io.tributary.shard.Rendezvous.pick(Long.toString(shardKey), ids))) {
                        claims.add(takeOver(shardKey));
                    }
                }
                return claims.isEmpty() ? Uni.createFrom().voidItem()
                        : Uni.join().all(claims).andCollectFailures().replaceWithVoid();
            });
        }).chain(() -> pool.query(FORGET_DEAD).execute().replaceWithVoid());
    }

    /**
     * Takes the lease of one shard whose owner is dead, as a renewal does for the orphans it found. Does
     * nothing when the shard has meanwhile been claimed, by this instance or another.
     *
     * @return the new epoch, or -1 when the lease was not taken
     */
    public Uni<Long> takeOver(long shardKey) {
        return take(TAKE_OVER, shardKey).invoke(epoch -> {
            if (epoch > 0) {
                LOG.infof("instance %s took over shard %d from a dead instance (epoch %d)", instanceId, shardKey, epoch);
            }
        });
    }

    /** Runs a statement that takes a shard's lease for this instance; records and returns the new epoch, or -1. */
    private Uni<Long> take(String statement, long shardKey) {
        return pool.preparedQuery(statement).execute(Tuple.of(shardKey, instanceId)).map(rows -> {
            var it = rows.iterator();
            if (!it.hasNext()) {
                return -1L;
            }
            long epoch = it.next().getLong(0);
            hold(shardKey, epoch);
            return epoch;
        });
    }

    private void notifyLost(long shardKey) {
        for (LongConsumer l : lostListeners) {
            l.accept(shardKey);
        }
    }
}
