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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Appends records to one stream over the internal gRPC API: routes each record to the open shard whose
 * hash key range holds it (MD5 of the partition key, or the explicit hash key), sends it on a long-lived
 * append stream to the shard-service instance that writes the shard (the shard map's owner endpoint; the
 * configured instance when the map names none), and completes once shard-service committed it. A record
 * refused because its shard was split or merged, or because its shard moved to another instance, is routed
 * again with a fresh shard map.
 */
final class StreamAppender implements AutoCloseable {

    private static final int MAX_REROUTES = 5;

    private final StreamRef stream;
    private final StreamAdminGrpc.StreamAdminFutureStub admin;
    private final AppendStream configured;
    private final Function<String, ManagedChannel> channelFor;
    private final Map<String, AppendStream> byEndpoint = new ConcurrentHashMap<>();
    private final AtomicLong batchIds = new AtomicLong();
    private volatile List<Shard> openShards;

    /**
     * @param channel    the configured shard-service instance: stream metadata, and appends to shards the
     *                   map gives no owner
     * @param channelFor a channel to the instance at an owner endpoint ({@code host:port})
     */
    StreamAppender(ManagedChannel channel, Function<String, ManagedChannel> channelFor, String tenantId, String streamName) {
        this.stream = StreamRef.newBuilder().setTenantId(tenantId).setStreamName(streamName).build();
        this.admin = StreamAdminGrpc.newFutureStub(channel);
        this.configured = new AppendStream(StreamLogGrpc.newStub(channel));
        this.channelFor = channelFor;
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
            String owner = shard.getOwnerEndpoint();
            AppendStream target = owner.isEmpty() ? configured
                    : byEndpoint.computeIfAbsent(owner, e -> new AppendStream(StreamLogGrpc.newStub(channelFor.apply(e))));
            return target.send(request).thenCompose(response -> {
                if (response.hasAck()) {
                    return CompletableFuture.completedFuture(response.getAck().getSequenceNumbers(0));
                }
                ErrorCode code = response.getError().getCode();
                boolean moved = code == ErrorCode.SHARD_CLOSED || code == ErrorCode.WRONG_SHARD
                        || code == ErrorCode.SHARD_NOT_FOUND || code == ErrorCode.NOT_OWNER;
                if (moved && attempt < MAX_REROUTES) {
                    // The shard map may lag the change by the few milliseconds it takes to commit.
                    return CompletableFuture.runAsync(() -> {
                    }, CompletableFuture.delayedExecutor(10L * attempt, TimeUnit.MILLISECONDS))
                            .thenCompose(v -> append(partitionKey, explicitHashKey, data, attempt + 1));
                }
                return CompletableFuture.failedFuture(new IllegalStateException("append to " + stream.getStreamName()
                        + " refused: " + code + " " + response.getError().getMessage()));
            });
        });
    }

    /** One long-lived append stream to one shard-service instance and the batches waiting on it. */
    private static final class AppendStream {

        private final StreamLogGrpc.StreamLogStub log;
        private final Map<Long, CompletableFuture<AppendResponse>> pending = new ConcurrentHashMap<>();
        private StreamObserver<AppendRequest> requests;

        AppendStream(StreamLogGrpc.StreamLogStub log) {
            this.log = log;
        }

        synchronized CompletableFuture<AppendResponse> send(AppendRequest request) {
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

        synchronized void close() {
            if (requests != null) {
                requests.onCompleted();
                requests = null;
            }
        }
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
    public void close() {
        configured.close();
        byEndpoint.values().forEach(AppendStream::close);
    }
}
