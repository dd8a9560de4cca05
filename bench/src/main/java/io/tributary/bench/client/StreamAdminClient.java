package io.tributary.bench.client;

import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.protocol.v1.CreateStreamRequest;
import io.tributary.protocol.v1.DeleteStreamRequest;
import io.tributary.protocol.v1.DescribeStreamRequest;
import io.tributary.protocol.v1.ListShardsRequest;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StreamAdminGrpc;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamRef;
import io.tributary.protocol.v1.StreamStatus;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Blocking calls of StreamAdmin that the bench needs, each with a deadline. */
public final class StreamAdminClient {

    /** Trailer in which shard-service names the {@code ErrorCode} of a failed unary call. */
    public static final Metadata.Key<String> ERROR_CODE = Metadata.Key.of("tributary-error-code", Metadata.ASCII_STRING_MARSHALLER);

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ACTIVE_POLL = Duration.ofMillis(200);

    private final StreamAdminGrpc.StreamAdminBlockingStub stub;

    public StreamAdminClient(Channel channel) {
        this.stub = StreamAdminGrpc.newBlockingStub(channel);
    }

    public StreamDescription create(StreamRef stream, int shardCount, int maxRecordSizeBytes) {
        return call().createStream(CreateStreamRequest.newBuilder()
                .setStream(stream)
                .setShardCount(shardCount)
                .setMaxRecordSizeBytes(maxRecordSizeBytes)
                .build());
    }

    /** Describes the stream until it is ACTIVE (creation may be asynchronous), for at most {@code timeout}. */
    public StreamDescription awaitActive(StreamRef stream, StreamDescription created, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        StreamDescription description = created;
        while (description.getStatus() != StreamStatus.ACTIVE) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stream " + stream.getStreamName() + " still " + description.getStatus()
                        + " after " + timeout.toSeconds() + " s");
            }
            LockSupport.parkNanos(ACTIVE_POLL.toNanos());
            description = call().describeStream(DescribeStreamRequest.newBuilder().setStream(stream).build());
        }
        return description;
    }

    public List<Shard> listShards(StreamRef stream) {
        return call().listShards(ListShardsRequest.newBuilder().setStream(stream).build()).getShardsList();
    }

    public void delete(StreamRef stream) {
        call().deleteStream(DeleteStreamRequest.newBuilder().setStream(stream).build());
    }

    private StreamAdminGrpc.StreamAdminBlockingStub call() {
        return stub.withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** "STATUS [ErrorCode]: description" of a failed call, for messages. */
    public static String describe(StatusRuntimeException e) {
        Status status = e.getStatus();
        Metadata trailers = Status.trailersFromThrowable(e);
        String code = trailers == null ? null : trailers.get(ERROR_CODE);
        return status.getCode() + (code == null ? "" : " [" + code + "]")
                + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }
}
