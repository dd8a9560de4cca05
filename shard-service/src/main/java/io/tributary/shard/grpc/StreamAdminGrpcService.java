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
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.service.StreamAdminService;

/** The internal metadata API: streams and shards. */
@GrpcService
public class StreamAdminGrpcService implements StreamAdmin {

    private final StreamAdminService admin;
    private final ShardServiceConfig config;

    public StreamAdminGrpcService(StreamAdminService admin, ShardServiceConfig config) {
        this.admin = admin;
        this.config = config;
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
                .map(info -> ProtoMapper.description(info, config.region()))
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
                .map(info -> ListShardsResponse.newBuilder()
                        .addAllShards(ProtoMapper.description(info, config.region()).getShardsList()).build())
                .onFailure().transform(GrpcErrors::status);
    }
}
