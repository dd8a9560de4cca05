package io.tributary.ingest.client;

import io.grpc.Channel;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import io.tributary.protocol.v1.DescribeStreamRequest;
import io.tributary.protocol.v1.MutinyStreamAdminGrpc;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamRef;
import jakarta.enterprise.context.ApplicationScoped;

/** Stream metadata from shard-service. */
@ApplicationScoped
public class ShardAdminClient {

    private final MutinyStreamAdminGrpc.MutinyStreamAdminStub stub;

    public ShardAdminClient(@GrpcClient("shard") Channel channel) {
        this.stub = MutinyStreamAdminGrpc.newMutinyStub(channel);
    }

    public Uni<StreamDescription> describe(String tenantId, String streamName) {
        return stub.describeStream(DescribeStreamRequest.newBuilder()
                .setStream(StreamRef.newBuilder().setTenantId(tenantId).setStreamName(streamName)).build());
    }
}
