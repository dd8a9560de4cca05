package io.tributary.ingest.client;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import io.tributary.protocol.v1.DescribeStreamRequest;
import io.tributary.protocol.v1.MutinyStreamAdminGrpc;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamRef;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Stream metadata from shard-service: from the configured instance, or, when it cannot be reached, from
 * the other instances the shard maps have named (any instance describes any stream).
 */
@ApplicationScoped
public class ShardAdminClient {

    private final MutinyStreamAdminGrpc.MutinyStreamAdminStub stub;
    private final ShardLogClient instances;

    public ShardAdminClient(@GrpcClient("shard") Channel channel, ShardLogClient instances) {
        this.stub = MutinyStreamAdminGrpc.newMutinyStub(channel);
        this.instances = instances;
    }

    public Uni<StreamDescription> describe(String tenantId, String streamName) {
        return describe(tenantId, streamName, List.of());
    }

    /** Describes a stream, trying {@code alternatives} ({@code host:port}) in turn when an instance is unreachable. */
    public Uni<StreamDescription> describe(String tenantId, String streamName, List<String> alternatives) {
        DescribeStreamRequest request = DescribeStreamRequest.newBuilder()
                .setStream(StreamRef.newBuilder().setTenantId(tenantId).setStreamName(streamName)).build();
        Uni<StreamDescription> answer = stub.describeStream(request);
        for (String endpoint : alternatives) {
            answer = answer.onFailure(ShardAdminClient::unreachable).recoverWithUni(() ->
                    MutinyStreamAdminGrpc.newMutinyStub(instances.channelTo(endpoint)).describeStream(request));
        }
        return answer;
    }

    private static boolean unreachable(Throwable t) {
        return t instanceof StatusRuntimeException e && e.getStatus().getCode() == Status.Code.UNAVAILABLE;
    }
}
