package io.tributary.shard.grpc;

import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import io.tributary.protocol.v1.CreateStreamRequest;
import io.tributary.protocol.v1.DeleteStreamRequest;
import io.tributary.protocol.v1.DeleteStreamResponse;
import io.tributary.protocol.v1.DescribeStreamRequest;
import io.tributary.protocol.v1.ListShardsRequest;
import io.tributary.protocol.v1.ListShardsResponse;
import io.tributary.protocol.v1.ListStreamsRequest;
import io.tributary.protocol.v1.ListStreamsResponse;
import io.tributary.protocol.v1.StreamAdmin;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.Shard;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.StreamInfo;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.service.ShardOwnership;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.tributary.shard.service.StreamAdminService;

/** The internal metadata API: streams and shards. */
@GrpcService
public class StreamAdminGrpcService implements StreamAdmin {

    private final StreamAdminService admin;
    private final ShardServiceConfig config;
    private final ShardOwnership ownership;

    public StreamAdminGrpcService(StreamAdminService admin, ShardServiceConfig config, ShardOwnership ownership) {
        this.admin = admin;
        this.config = config;
        this.ownership = ownership;
    }

    /** The description with, for each open shard, the instance writers send it to. */
    private Uni<StreamDescription> withOwners(StreamInfo info) {
        StreamDescription d = ProtoMapper.description(info, config.region());
        List<Long> open = new ArrayList<>();
        Map<String, Long> keys = new HashMap<>();
        for (ShardInfo s : info.shards()) {
            if (s.isOpen()) {
                open.add(s.shardKey());
                keys.put(s.shardId(), s.shardKey());
            }
        }
        if (open.isEmpty()) {
            return Uni.createFrom().item(d);
        }
        return ownership.routes(open).map(routes -> {
            StreamDescription.Builder b = d.toBuilder();
            for (Shard.Builder shard : b.getShardsBuilderList()) {
                Long key = keys.get(shard.getShardId());
                String endpoint = key == null ? null : routes.get(key);
                if (endpoint != null) {
                    shard.setOwnerEndpoint(endpoint);
                }
            }
            return b.build();
        });
    }

    @Override
    public Uni<StreamDescription> createStream(CreateStreamRequest request) {
        return admin.create(request.getStream().getTenantId(), request.getStream().getStreamName(),
                        request.getShardCount(), request.getRetentionPeriodHours(), request.getMaxRecordSizeBytes())
                .map(info -> ProtoMapper.description(info, config.region()))
                .onFailure().transform(GrpcErrors::status);
    }

    @Override
    public Uni<DeleteStreamResponse> deleteStream(DeleteStreamRequest request) {
        return admin.delete(request.getStream().getTenantId(), request.getStream().getStreamName())
                .map(v -> DeleteStreamResponse.getDefaultInstance())
                .onFailure().transform(GrpcErrors::status);
    }

    @Override
    public Uni<StreamDescription> describeStream(DescribeStreamRequest request) {
        return admin.describe(request.getStream().getTenantId(), request.getStream().getStreamName())
                .chain(this::withOwners)
                .onFailure().transform(GrpcErrors::status);
    }

    @Override
    public Uni<ListStreamsResponse> listStreams(ListStreamsRequest request) {
        return admin.list(request.getTenantId(), request.getExclusiveStartStreamName(), request.getLimit())
                .map(page -> {
                    ListStreamsResponse.Builder b = ListStreamsResponse.newBuilder().setHasMoreStreams(page.hasMore());
                    page.streams().forEach(s -> b.addStreams(ProtoMapper.description(s, config.region())));
                    return b.build();
                })
                .onFailure().transform(GrpcErrors::status);
    }

    @Override
    public Uni<ListShardsResponse> listShards(ListShardsRequest request) {
        return admin.describe(request.getStream().getTenantId(), request.getStream().getStreamName())
                .chain(this::withOwners)
                .map(d -> ListShardsResponse.newBuilder().addAllShards(d.getShardsList()).build())
                .onFailure().transform(GrpcErrors::status);
    }
}
