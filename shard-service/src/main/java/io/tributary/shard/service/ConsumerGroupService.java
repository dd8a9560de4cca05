package io.tributary.shard.service;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.tributary.shard.LeaseBalancer;
import io.tributary.shard.LogException;
import io.tributary.shard.LogException.Reason;
import io.tributary.shard.Position;
import io.tributary.shard.Retention;
import io.tributary.shard.SequenceNumbers;
import io.tributary.shard.ShardIds;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.StreamInfo;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.ConsumerGroupEntity;
import io.tributary.shard.storage.ConsumerLeaseEntity;
import io.tributary.shard.storage.ConsumerMemberEntity;
import io.tributary.shard.storage.ShardRepository;
import io.tributary.shard.storage.StreamEntity;
import io.tributary.shard.storage.StreamRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Consumer groups with server-side leases and checkpoints: what a Kinesis application otherwise keeps in
 * a DynamoDB lease table, kept here in PostgreSQL.
 *
 * <p><b>Guarantees.</b> Each shard is held by at most one live member at a time (a lease, handed out by
 * {@link LeaseBalancer} under the group's row lock). A checkpoint is accepted only from the member
 * holding the shard's lease with its current epoch, and only moving forward, so a member that lost its
 * lease (stopped heart-beating, or the group was reset) can never overwrite newer progress. Delivery to
 * members is at least once: a new holder resumes after the last checkpoint, so records processed but not
 * yet checkpointed by the previous holder are read again.
 */
@ApplicationScoped
public class ConsumerGroupService {

    private static final Pattern GROUP_NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");
    private static final String TRIM_HORIZON = "TRIM_HORIZON";
    private static final String AT_TIMESTAMP = "AT_TIMESTAMP";

    private final StreamRepository streams;
    private final ShardRepository shards;
    private final ShardLogs logs;
    private final ShardServiceConfig config;
    private final ShardClock clock;

    public ConsumerGroupService(StreamRepository streams, ShardRepository shards, ShardLogs logs,
                                ShardServiceConfig config, ShardClock clock) {
        this.streams = streams;
        this.shards = shards;
        this.logs = logs;
        this.config = config;
        this.clock = clock;
    }

    /** A shard a member holds: where to start reading and the epoch its checkpoints carry. */
    public record Assignment(ShardInfo shard, long epoch, Position start) {
    }

    /** A group as its operators see it. */
    public record GroupView(String name, String initialPosition, long initialTimestampMillis,
                            List<MemberView> members, List<ShardView> shards) {
    }

    public record MemberView(String memberId, long lastHeartbeatMillis, List<String> shardIds) {
    }

    /**
     * @param checkpoint last checkpointed sequence number, or {@code null}
     * @param lagRecords records committed to the shard after the checkpoint (or after the start, if none)
     */
    public record ShardView(String shardId, String owner, long epoch, String checkpoint, boolean finished,
                            long lagRecords) {
    }

    /**
     * A member's heartbeat: joins the group (creating it on first use, starting at {@code initial}),
     * renews the member's session, rebalances and answers the member's shards.
     */
    public Uni<List<Assignment>> heartbeat(String tenantId, String streamName, String group, String memberId,
                                           Position initial, boolean ignoreLineage) {
        try {
            checkNames(group, memberId);
            checkInitial(initial);
        } catch (LogException e) {
            return Uni.createFrom().failure(e);
        }
        // Two members creating the group at once: the loser of the unique index tries again and joins it.
        return heartbeatOnce(tenantId, streamName, group, memberId, initial, ignoreLineage)
                .onFailure(StorageErrors::isUniqueViolation)
                .recoverWithUni(() -> heartbeatOnce(tenantId, streamName, group, memberId, initial, ignoreLineage));
    }

    @WithTransaction
    Uni<List<Assignment>> heartbeatOnce(String tenantId, String streamName, String group, String memberId,
                                        Position initial, boolean ignoreLineage) {
        Instant now = clock.now();
        return stream(tenantId, streamName).chain(stream -> lockGroup(stream, group)
                .chain(g -> g != null ? Uni.createFrom().item(g) : createGroup(stream, group, initial, now))
                .chain(g -> ConsumerMemberEntity.<ConsumerMemberEntity>list("groupId", g.id).chain(members -> {
                    ConsumerMemberEntity me = null;
                    Set<String> live = new HashSet<>();
                    List<ConsumerMemberEntity> expired = new ArrayList<>();
                    Instant liveAfter = now.minus(config.consumers().sessionTimeout());
                    for (ConsumerMemberEntity m : members) {
                        if (m.memberId.equals(memberId)) {
                            me = m;
                        } else if (m.lastHeartbeat.isBefore(liveAfter)) {
                            expired.add(m);
                        } else {
                            live.add(m.memberId);
                        }
                    }
                    Uni<?> saveMe;
                    if (me == null) {
                        me = new ConsumerMemberEntity();
                        me.groupId = g.id;
                        me.memberId = memberId;
                        me.joinedAt = now;
                        me.lastHeartbeat = now;
                        me.ignoreLineage = ignoreLineage;
                        saveMe = me.persist();
                    } else {
                        me.lastHeartbeat = now;
                        me.ignoreLineage = ignoreLineage;
                        saveMe = Uni.createFrom().voidItem();
                    }
                    live.add(memberId);
                    Uni<?> dropExpired = expired.isEmpty() ? Uni.createFrom().voidItem()
                            : ConsumerMemberEntity.delete("id in ?1", expired.stream().map(m -> m.id).toList());
                    return saveMe.chain(() -> dropExpired).chain(() -> leases(stream, g, now)).map(state -> {
                        List<LeaseBalancer.Lease> mine = LeaseBalancer.heartbeat(memberId, ignoreLineage, live, state.balancer());
                        state.writeBack();
                        List<Assignment> out = new ArrayList<>(mine.size());
                        for (LeaseBalancer.Lease l : mine) {
                            out.add(new Assignment(l.shard, l.epoch, startOf(g, state.rows().get(l.shard.index()), l.shard)));
                        }
                        return out;
                    });
                })));
    }

    /**
     * Records that a member processed a shard up to and including {@code sequenceNumber}, or to its end
     * ({@code shardEnd}, for a closed shard: its children become eligible).
     */
    @WithTransaction
    public Uni<Void> checkpoint(String tenantId, String streamName, String group, String memberId, String shardId,
                                long epoch, String sequenceNumber, boolean shardEnd) {
        Instant now = clock.now();
        return stream(tenantId, streamName).chain(stream -> findGroup(stream, group).chain(g -> {
            int index = ShardIds.parse(shardId);
            return ConsumerLeaseEntity.<ConsumerLeaseEntity>find("groupId = ?1 and shardIndex = ?2", g.id, index)
                    .withLock(LockModeType.PESSIMISTIC_WRITE).firstResult()
                    .chain(lease -> ConsumerMemberEntity.<ConsumerMemberEntity>find("groupId = ?1 and memberId = ?2", g.id, memberId)
                            .firstResult().chain(member -> shards.findByStream(stream.id).map(rows -> {
                                ShardInfo shard = StreamCatalog.toInfo(stream, rows).shard(shardId);
                                if (shard == null || lease == null) {
                                    throw new LogException(Reason.SHARD_NOT_FOUND, "Shard " + shardId + " of stream "
                                            + streamName + " is not part of group " + group + ".");
                                }
                                boolean alive = member != null && !member.lastHeartbeat.isBefore(now.minus(config.consumers().sessionTimeout()));
                                if (!alive || !memberId.equals(lease.owner) || lease.epoch != epoch) {
                                    throw new LogException(Reason.LEASE_LOST, "Member " + memberId + " does not hold "
                                            + shardId + " in group " + group + " with epoch " + epoch + " (holder: "
                                            + (lease.owner == null ? "none" : lease.owner) + ", epoch " + lease.epoch
                                            + "); heartbeat to learn its shards.");
                                }
                                if (shardEnd) {
                                    if (shard.isOpen()) {
                                        throw new LogException(Reason.INVALID_ARGUMENT, "Shard " + shardId
                                                + " is open; only a closed shard can be checkpointed at its end.");
                                    }
                                    lease.finished = true;
                                    lease.checkpointPosition = shard.endingPosition();
                                    lease.owner = null;
                                    lease.epoch++;
                                } else {
                                    long position = positionOf(sequenceNumber, shard);
                                    if (lease.checkpointPosition != null && position < lease.checkpointPosition) {
                                        throw new LogException(Reason.INVALID_ARGUMENT, "Checkpoints only move forward: "
                                                + sequenceNumber + " is before the checkpoint of " + shardId + ", "
                                                + SequenceNumbers.format(lease.checkpointPosition, shard.index()) + ".");
                                    }
                                    lease.checkpointPosition = position;
                                }
                                lease.checkpointedAt = now;
                                return null;
                            })));
        })).replaceWithVoid();
    }

    /** A member leaves: its shards are free for the others at once. */
    @WithTransaction
    public Uni<Void> leave(String tenantId, String streamName, String group, String memberId) {
        return stream(tenantId, streamName).chain(stream -> findGroup(stream, group)).chain(g -> lockGroup(g.id)
                .chain(() -> ConsumerMemberEntity.delete("groupId = ?1 and memberId = ?2", g.id, memberId))
                .chain(() -> ConsumerLeaseEntity.<ConsumerLeaseEntity>list("groupId = ?1 and owner = ?2", g.id, memberId))
                .invoke(held -> held.forEach(l -> {
                    l.owner = null;
                    l.epoch++;
                }))).replaceWithVoid();
    }

    /** Moves every checkpoint of the group to a position; the current holders are fenced and must heartbeat. */
    @WithTransaction
    public Uni<GroupView> reset(String tenantId, String streamName, String group, Position position) {
        try {
            checkInitial(position);
        } catch (LogException e) {
            return Uni.createFrom().failure(e);
        }
        Instant now = clock.now();
        return stream(tenantId, streamName).chain(stream -> findGroup(stream, group).chain(g -> lockGroup(g.id).chain(() -> {
            setInitial(g, position, now);
            return ConsumerLeaseEntity.<ConsumerLeaseEntity>list("groupId", g.id).invoke(all -> all.forEach(l -> {
                l.checkpointPosition = null;
                l.finished = false;
                l.owner = null;
                l.epoch++;
                l.checkpointedAt = now;
            }));
        }).chain(() -> view(stream, g))));
    }

    /** The group's members, and each shard's holder, checkpoint and lag. */
    @WithSession
    public Uni<GroupView> describe(String tenantId, String streamName, String group) {
        return stream(tenantId, streamName).chain(stream -> findGroup(stream, group).chain(g -> view(stream, g)));
    }

    /** The groups of a stream. */
    @WithSession
    public Uni<List<GroupView>> list(String tenantId, String streamName) {
        return stream(tenantId, streamName).chain(stream -> ConsumerGroupEntity.<ConsumerGroupEntity>list("streamId = ?1 order by name", stream.id)
                .chain(groups -> {
                    Uni<List<GroupView>> acc = Uni.createFrom().item(new ArrayList<>());
                    for (ConsumerGroupEntity g : groups) {
                        acc = acc.chain(list -> view(stream, g).map(v -> {
                            list.add(v);
                            return list;
                        }));
                    }
                    return acc;
                }));
    }

    private Uni<GroupView> view(StreamEntity stream, ConsumerGroupEntity g) {
        Instant now = clock.now();
        return ConsumerMemberEntity.<ConsumerMemberEntity>list("groupId", g.id).chain(members -> leases(stream, g, now)
                .chain(state -> {
                    Map<String, List<String>> byOwner = new HashMap<>();
                    List<Uni<ShardView>> views = new ArrayList<>();
                    for (ConsumerLeaseEntity row : state.rows().values()) {
                        ShardInfo shard = state.balancer().get(row.shardIndex).shard;
                        if (row.owner != null) {
                            byOwner.computeIfAbsent(row.owner, k -> new ArrayList<>()).add(shard.shardId());
                        }
                        views.add(lag(shard, row).map(lag -> new ShardView(shard.shardId(), row.owner, row.epoch,
                                row.checkpointPosition == null ? null : SequenceNumbers.format(row.checkpointPosition, shard.index()),
                                row.finished, lag)));
                    }
                    Uni<List<ShardView>> all = views.isEmpty() ? Uni.createFrom().item(List.of())
                            : Uni.join().all(views).andFailFast();
                    return all.map(shardViews -> {
                        List<ShardView> sorted = new ArrayList<>(shardViews);
                        sorted.sort(java.util.Comparator.comparing(ShardView::shardId));
                        List<MemberView> memberViews = new ArrayList<>();
                        for (ConsumerMemberEntity m : members) {
                            memberViews.add(new MemberView(m.memberId, m.lastHeartbeat.toEpochMilli(),
                                    byOwner.getOrDefault(m.memberId, List.of())));
                        }
                        memberViews.sort(java.util.Comparator.comparing(MemberView::memberId));
                        return new GroupView(g.name, g.initialPosition,
                                g.initialTimestamp == null ? 0 : g.initialTimestamp.toEpochMilli(), memberViews, sorted);
                    });
                }));
    }

    /** Records after the checkpoint, as far as this instance's view of the shard's head goes. */
    private Uni<Long> lag(ShardInfo shard, ConsumerLeaseEntity row) {
        if (row.finished) {
            return Uni.createFrom().item(0L);
        }
        return logs.forRead(shard).map(log -> {
            long from = row.checkpointPosition == null ? shard.startingPosition() : row.checkpointPosition + 1;
            return Math.max(0, log.committedNext() - from);
        });
    }

    /** The group's lease rows, one per listed shard (created on first sight), and the balancer's view of them. */
    private Uni<LeaseState> leases(StreamEntity stream, ConsumerGroupEntity g, Instant now) {
        return shards.findByStream(stream.id).chain(shardRows -> ConsumerLeaseEntity.<ConsumerLeaseEntity>list("groupId", g.id)
                .chain(rows -> {
                    StreamInfo info = StreamCatalog.toInfo(stream, shardRows);
                    Map<Integer, ConsumerLeaseEntity> byIndex = new HashMap<>();
                    for (ConsumerLeaseEntity r : rows) {
                        byIndex.put(r.shardIndex, r);
                    }
                    List<ConsumerLeaseEntity> created = new ArrayList<>();
                    Map<Integer, LeaseBalancer.Lease> balancer = new HashMap<>();
                    Map<Integer, ConsumerLeaseEntity> listed = new HashMap<>();
                    for (ShardInfo s : info.shards()) {
                        if (Retention.expired(s, info, now.toEpochMilli())) {
                            continue;
                        }
                        ConsumerLeaseEntity r = byIndex.get(s.index());
                        if (r == null) {
                            r = new ConsumerLeaseEntity();
                            r.groupId = g.id;
                            r.shardIndex = s.index();
                            r.epoch = 0;
                            created.add(r);
                        }
                        listed.put(s.index(), r);
                        balancer.put(s.index(), new LeaseBalancer.Lease(s, r.owner, r.epoch, r.finished));
                    }
                    LeaseState state = new LeaseState(listed, balancer);
                    return created.isEmpty() ? Uni.createFrom().item(state)
                            : ConsumerLeaseEntity.persist(created).map(v -> state);
                }));
    }

    /** Lease rows and the balancer's copies of them. */
    private record LeaseState(Map<Integer, ConsumerLeaseEntity> rows, Map<Integer, LeaseBalancer.Lease> balancer) {

        /** Copies the balancer's decisions into the rows (flushed with the transaction). */
        void writeBack() {
            balancer.forEach((index, l) -> {
                ConsumerLeaseEntity r = rows.get(index);
                r.owner = l.owner;
                r.epoch = l.epoch;
            });
        }
    }

    private static Position startOf(ConsumerGroupEntity g, ConsumerLeaseEntity row, ShardInfo shard) {
        if (row.checkpointPosition != null) {
            return new Position(Position.Type.AFTER_SEQUENCE_NUMBER,
                    SequenceNumbers.format(row.checkpointPosition, shard.index()), 0);
        }
        if (AT_TIMESTAMP.equals(g.initialPosition)) {
            return new Position(Position.Type.AT_TIMESTAMP, null, g.initialTimestamp.toEpochMilli());
        }
        return Position.trimHorizon();
    }

    private static long positionOf(String sequenceNumber, ShardInfo shard) {
        SequenceNumbers.Parsed parsed = SequenceNumbers.parse(sequenceNumber);
        if (parsed == null || parsed.shardIndex() != shard.index()) {
            throw new LogException(Reason.INVALID_ARGUMENT, "'" + sequenceNumber + "' is not a sequence number of "
                    + shard.shardId() + ".");
        }
        if (parsed.position() < shard.startingPosition() || (!shard.isOpen() && parsed.position() >= shard.endingPosition())) {
            throw new LogException(Reason.INVALID_ARGUMENT, "Sequence number " + sequenceNumber + " is outside "
                    + shard.shardId() + ".");
        }
        return parsed.position();
    }

    private Uni<ConsumerGroupEntity> createGroup(StreamEntity stream, String name, Position initial, Instant now) {
        ConsumerGroupEntity g = new ConsumerGroupEntity();
        g.streamId = stream.id;
        g.name = name;
        g.createdAt = now;
        setInitial(g, initial, now);
        return g.<ConsumerGroupEntity>persistAndFlush();
    }

    /** LATEST becomes AT_TIMESTAMP of now, so that every member agrees on where "latest" was. */
    private static void setInitial(ConsumerGroupEntity g, Position initial, Instant now) {
        Position.Type type = initial == null ? Position.Type.TRIM_HORIZON : initial.type();
        switch (type) {
            case LATEST -> {
                g.initialPosition = AT_TIMESTAMP;
                g.initialTimestamp = now;
            }
            case AT_TIMESTAMP -> {
                g.initialPosition = AT_TIMESTAMP;
                g.initialTimestamp = Instant.ofEpochMilli(initial.timestampMillis());
            }
            default -> {
                g.initialPosition = TRIM_HORIZON;
                g.initialTimestamp = null;
            }
        }
    }

    private Uni<StreamEntity> stream(String tenantId, String name) {
        return streams.findByName(tenantId, name).onItem().ifNull().failWith(() -> StreamCatalog.notFound(tenantId, name));
    }

    private static Uni<ConsumerGroupEntity> lockGroup(StreamEntity stream, String name) {
        return ConsumerGroupEntity.<ConsumerGroupEntity>find("streamId = ?1 and name = ?2", stream.id, name)
                .withLock(LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    private static Uni<ConsumerGroupEntity> lockGroup(long id) {
        return ConsumerGroupEntity.<ConsumerGroupEntity>findById(id, LockModeType.PESSIMISTIC_WRITE);
    }

    private static Uni<ConsumerGroupEntity> findGroup(StreamEntity stream, String name) {
        return ConsumerGroupEntity.<ConsumerGroupEntity>find("streamId = ?1 and name = ?2", stream.id, name).firstResult()
                .onItem().ifNull().failWith(() -> new LogException(Reason.GROUP_NOT_FOUND, "Consumer group " + name
                        + " of stream " + stream.name + " does not exist."));
    }

    private static void checkNames(String group, String memberId) {
        if (group == null || !GROUP_NAME.matcher(group).matches()) {
            throw new LogException(Reason.INVALID_ARGUMENT, "consumer group name '" + group
                    + "' must be 1 to 128 characters of a-z, A-Z, 0-9, '_', '.' and '-'");
        }
        if (memberId == null || memberId.isEmpty() || memberId.length() > 256) {
            throw new LogException(Reason.INVALID_ARGUMENT, "member id must be 1 to 256 characters");
        }
    }

    private static void checkInitial(Position p) {
        if (p != null && p.type() != Position.Type.TRIM_HORIZON && p.type() != Position.Type.LATEST
                && p.type() != Position.Type.AT_TIMESTAMP) {
            throw new LogException(Reason.INVALID_ARGUMENT, "a consumer group starts at TRIM_HORIZON, LATEST or "
                    + "AT_TIMESTAMP, not " + p.type());
        }
    }
}
