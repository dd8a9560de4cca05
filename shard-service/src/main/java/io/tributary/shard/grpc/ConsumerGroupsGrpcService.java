package io.tributary.shard.grpc;

import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import io.tributary.protocol.v1.CheckpointRequest;
import io.tributary.protocol.v1.CheckpointResponse;
import io.tributary.protocol.v1.ConsumerGroups;
import io.tributary.protocol.v1.DescribeGroupRequest;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.GroupMember;
import io.tributary.protocol.v1.GroupRef;
import io.tributary.protocol.v1.HeartbeatRequest;
import io.tributary.protocol.v1.HeartbeatResponse;
import io.tributary.protocol.v1.LeaveRequest;
import io.tributary.protocol.v1.LeaveResponse;
import io.tributary.protocol.v1.Position;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.ResetGroupRequest;
import io.tributary.protocol.v1.ShardLease;
import io.tributary.protocol.v1.ShardProgress;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.service.ConsumerGroupService;

/** Consumer groups over gRPC: what the Tributary connector speaks. */
@GrpcService
public class ConsumerGroupsGrpcService implements ConsumerGroups {

    private final ConsumerGroupService groups;
    private final ShardServiceConfig config;

    private final io.tributary.shard.service.ShardOwnership ownership;

    public ConsumerGroupsGrpcService(ConsumerGroupService groups, ShardServiceConfig config,
                                     io.tributary.shard.service.ShardOwnership ownership) {
        this.ownership = ownership;
        this.groups = groups;
        this.config = config;
    }

    @Override
    public Uni<HeartbeatResponse> heartbeat(HeartbeatRequest request) {
        GroupRef g = request.getGroup();
        io.tributary.shard.Position initial;
        try {
            initial = request.hasInitialPosition() ? ProtoMapper.position(request.getInitialPosition()) : null;
        } catch (io.tributary.shard.LogException e) {
            return Uni.createFrom().failure(GrpcErrors.status(e));
        }
        return groups.heartbeat(g.getStream().getTenantId(), g.getStream().getStreamName(), g.getGroup(),
                        request.getMemberId(), initial, request.getIgnoreLineage())
                .chain(assignments -> {
                    java.util.List<Long> open = assignments.stream().filter(a -> a.shard().isOpen())
                            .map(a -> a.shard().shardKey()).toList();
                    Uni<java.util.Map<Long, String>> routes = open.isEmpty() ? Uni.createFrom().item(java.util.Map.of())
                            : ownership.routes(open);
                    return routes.map(owners -> {
                        HeartbeatResponse.Builder b = HeartbeatResponse.newBuilder()
                                .setHeartbeatIntervalMillis(config.consumers().heartbeatInterval().toMillis())
                                .setSessionTimeoutMillis(config.consumers().sessionTimeout().toMillis());
                        for (ConsumerGroupService.Assignment a : assignments) {
                            ShardLease.Builder lease = ShardLease.newBuilder().setShardId(a.shard().shardId()).setEpoch(a.epoch())
                                    .setStart(position(a.start())).setClosed(!a.shard().isOpen());
                            String owner = a.shard().isOpen() ? owners.get(a.shard().shardKey()) : null;
                            if (owner != null) {
                                lease.setOwnerEndpoint(owner);
                            }
                            b.addLeases(lease);
                        }
                        return b.build();
                    });
                })
                .onFailure().transform(GrpcErrors::status);
    }

    @Override
    public Uni<CheckpointResponse> checkpoint(CheckpointRequest request) {
        GroupRef g = request.getGroup();
        return groups.checkpoint(g.getStream().getTenantId(), g.getStream().getStreamName(), g.getGroup(),
                        request.getMemberId(), request.getShardId(), request.getEpoch(), request.getSequenceNumber(),
                        request.getShardEnd())
                .map(v -> CheckpointResponse.getDefaultInstance())
                .onFailure().transform(GrpcErrors::status);
    }

    @Override
    public Uni<LeaveResponse> leave(LeaveRequest request) {
        GroupRef g = request.getGroup();
        return groups.leave(g.getStream().getTenantId(), g.getStream().getStreamName(), g.getGroup(), request.getMemberId())
                .map(v -> LeaveResponse.getDefaultInstance())
                .onFailure().transform(GrpcErrors::status);
    }

    @Override
    public Uni<GroupDescription> describeGroup(DescribeGroupRequest request) {
        GroupRef g = request.getGroup();
        return groups.describe(g.getStream().getTenantId(), g.getStream().getStreamName(), g.getGroup())
                .map(view -> description(g, view))
                .onFailure().transform(GrpcErrors::status);
    }

    @Override
    public Uni<GroupDescription> resetGroup(ResetGroupRequest request) {
        GroupRef g = request.getGroup();
        io.tributary.shard.Position position;
        try {
            position = ProtoMapper.position(request.getPosition());
        } catch (io.tributary.shard.LogException e) {
            return Uni.createFrom().failure(GrpcErrors.status(e));
        }
        return groups.reset(g.getStream().getTenantId(), g.getStream().getStreamName(), g.getGroup(), position)
                .map(view -> description(g, view))
                .onFailure().transform(GrpcErrors::status);
    }

    private static GroupDescription description(GroupRef ref, ConsumerGroupService.GroupView view) {
        GroupDescription.Builder b = GroupDescription.newBuilder().setGroup(ref)
                .setInitialPosition("AT_TIMESTAMP".equals(view.initialPosition())
                        ? Position.newBuilder().setType(PositionType.AT_TIMESTAMP).setTimestampMillis(view.initialTimestampMillis()).build()
                        : Position.newBuilder().setType(PositionType.TRIM_HORIZON).build());
        for (ConsumerGroupService.MemberView m : view.members()) {
            b.addMembers(GroupMember.newBuilder().setMemberId(m.memberId()).setLastHeartbeatMillis(m.lastHeartbeatMillis())
                    .addAllShardIds(m.shardIds()));
        }
        for (ConsumerGroupService.ShardView s : view.shards()) {
            ShardProgress.Builder p = ShardProgress.newBuilder().setShardId(s.shardId()).setEpoch(s.epoch())
                    .setFinished(s.finished()).setLagRecords(s.lagRecords());
            if (s.owner() != null) {
                p.setOwner(s.owner());
            }
            if (s.checkpoint() != null) {
                p.setCheckpoint(s.checkpoint());
            }
            b.addShards(p);
        }
        return b.build();
    }

    private static Position position(io.tributary.shard.Position p) {
        Position.Builder b = Position.newBuilder();
        switch (p.type()) {
            case AFTER_SEQUENCE_NUMBER -> b.setType(PositionType.AFTER_SEQUENCE_NUMBER).setSequenceNumber(p.sequenceNumber());
            case AT_SEQUENCE_NUMBER -> b.setType(PositionType.AT_SEQUENCE_NUMBER).setSequenceNumber(p.sequenceNumber());
            case AT_TIMESTAMP -> b.setType(PositionType.AT_TIMESTAMP).setTimestampMillis(p.timestampMillis());
            case LATEST -> b.setType(PositionType.LATEST);
            default -> b.setType(PositionType.TRIM_HORIZON);
        }
        return b.build();
    }
}
