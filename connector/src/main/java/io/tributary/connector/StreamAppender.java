package io.tributary.connector;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.DescribeStreamRequest;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StreamAdminGrpc;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamRef;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Appends records to one stream over the internal gRPC API: routes each record to the open shard whose
 * hash key range holds it (MD5 of the partition key, or the explicit hash key), sends it on a long-lived
 * append stream, and completes once shard-service committed it. A record refused because its shard was
 * split or merged meanwhile is routed again with a fresh shard map.
 */
final class StreamAppender implements AutoCloseable {

    private static final int MAX_REROUTES = 5;

    private final StreamRef stream;
    private final StreamAdminGrpc.StreamAdminFutureStub admin;
    private final StreamLogGrpc.StreamLogStub log;
    private final Map<Long, CompletableFuture<AppendResponse>> pending = new ConcurrentHashMap<>();
    private final AtomicLong batchIds = new AtomicLong();
    private volatile List<Shard> openShards;
    private StreamObserver<AppendRequest> requests;

    StreamAppender(ManagedChannel channel, String tenantId, String streamName) {
        this.stream = StreamRef.newBuilder().setTenantId(tenantId).setStreamName(streamName).build();
        this.admin = StreamAdminGrpc.newFutureStub(channel);
        this.log = StreamLogGrpc.newStub(channel);
    }

    /** Appends one record; completes with its sequence number once committed. */
    CompletionStage<String> append(String partitionKey, String explicitHashKey, byte[] data) {
        return append(partitionKey, explicitHashKey, data, 0);
    }

    private CompletionStage<String> append(String partitionKey, String explicitHashKey, byte[] data, int attempt) {
        return shards(attempt > 0).thenCompose(shards -> {
            Shard shard = route(shards, partitionKey, explicitHashKey);
            Record.Builder record = Record.newBuilder().setPartitionKey(partitionKey).setData(ByteString.copyFrom(data));
            if (explicitHashKey != null) {
                record.setExplicitHashKey(explicitHashKey);
            }
            AppendRequest request = AppendRequest.newBuilder().setBatchId(batchIds.incrementAndGet()).setStream(stream)
                    .setShardId(shard.getShardId()).addRecords(record).build();
            return send(request).thenCompose(response -> {
                if (response.hasAck()) {
                    return CompletableFuture.completedFuture(response.getAck().getSequenceNumbers(0));
                }
                ErrorCode code = response.getError().getCode();
                boolean moved = code == ErrorCode.SHARD_CLOSED || code == ErrorCode.WRONG_SHARD || code == ErrorCode.SHARD_NOT_FOUND;
                if (moved && attempt < MAX_REROUTES) {
                    return append(partitionKey, explicitHashKey, data, attempt + 1);
                }
                return CompletableFuture.failedFuture(new IllegalStateException("append to " + stream.getStreamName()
                        + " refused: " + code + " " + response.getError().getMessage()));
            });
        });
    }

    private synchronized CompletableFuture<AppendResponse> send(AppendRequest request) {
        if (requests == null) {
            requests = log.append(new StreamObserver<>() {
                @Override
                public void onNext(AppendResponse r) {
                    CompletableFuture<AppendResponse> f = pending.remove(r.getBatchId());
                    if (f != null) {
                        f.complete(r);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    broken(t);
                }

                @Override
                public void onCompleted() {
                    broken(new IllegalStateException("shard-service closed the append stream"));
                }
            });
        }
        CompletableFuture<AppendResponse> f = new CompletableFuture<>();
        pending.put(request.getBatchId(), f);
        requests.onNext(request);
        return f;
    }

    /** The append stream broke: everything in flight fails (the caller nacks), the next append opens a new one. */
    private void broken(Throwable t) {
        synchronized (this) {
            requests = null;
        }
        pending.values().forEach(f -> f.completeExceptionally(t));
        pending.clear();
    }

    private CompletableFuture<List<Shard>> shards(boolean refresh) {
        List<Shard> cached = openShards;
        if (cached != null && !refresh) {
            return CompletableFuture.completedFuture(cached);
        }
        CompletableFuture<List<Shard>> out = new CompletableFuture<>();
        com.google.common.util.concurrent.ListenableFuture<StreamDescription> f =
                admin.describeStream(DescribeStreamRequest.newBuilder().setStream(stream).build());
        f.addListener(() -> {
            try {
                List<Shard> open = new ArrayList<>();
                for (Shard s : f.get().getShardsList()) {
                    if (s.getEndingSequenceNumber().isEmpty()) {
                        open.add(s);
                    }
                }
                open.sort(Comparator.comparing(s -> new BigInteger(s.getStartingHashKey())));
                openShards = open;
                out.complete(open);
            } catch (Exception e) {
                out.completeExceptionally(e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e);
            }
        }, Runnable::run);
        return out;
    }

    static Shard route(List<Shard> shards, String partitionKey, String explicitHashKey) {
        BigInteger hash = explicitHashKey != null ? new BigInteger(explicitHashKey) : md5(partitionKey);
        for (Shard s : shards) {
            if (hash.compareTo(new BigInteger(s.getStartingHashKey())) >= 0 && hash.compareTo(new BigInteger(s.getEndingHashKey())) <= 0) {
                return s;
            }
        }
        throw new IllegalStateException("no open shard holds hash key " + hash);
    }

    private static BigInteger md5(String key) {
        try {
            return new BigInteger(1, MessageDigest.getInstance("MD5").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides MD5", e);
        }
    }

    @Override
    public synchronized void close() {
        if (requests != null) {
            requests.onCompleted();
            requests = null;
        }
    }
}
