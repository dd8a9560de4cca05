package io.tributary.shard.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.CreateStreamRequest;
import io.tributary.protocol.v1.Position;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.ReadRequest;
import io.tributary.protocol.v1.ReadResponse;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamAdminGrpc;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamRef;
import io.tributary.protocol.v1.SubscribeRequest;
import io.tributary.protocol.v1.SubscribeResponse;
import io.tributary.protocol.v1.SubscribeStart;
import io.tributary.shard.HashKeys;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Test-side client of the internal API, over real gRPC. */
public final class LogClient {

    public static final String TENANT = "000000000001";
    private static final AtomicLong BATCH_IDS = new AtomicLong();

    private final StreamAdminGrpc.StreamAdminBlockingStub admin;
    private final StreamLogGrpc.StreamLogBlockingStub blocking;
    private final StreamLogGrpc.StreamLogStub async;

    public LogClient(io.grpc.Channel channel) {
        this.admin = StreamAdminGrpc.newBlockingStub(channel);
        this.blocking = StreamLogGrpc.newBlockingStub(channel).withMaxInboundMessageSize(64 * 1024 * 1024);
        this.async = StreamLogGrpc.newStub(channel);
    }

    public StreamAdminGrpc.StreamAdminBlockingStub admin() {
        return admin;
    }

    public StreamLogGrpc.StreamLogBlockingStub blocking() {
        return blocking;
    }

    public StreamLogGrpc.StreamLogStub async() {
        return async;
    }

    /** Subscribes to a shard from {@code position} with {@code credits}; what arrives is recorded. */
    public Subscriber subscribe(String stream, String shardId, Position position, long credits) {
        return new Subscriber(async, stream, shardId, position, credits);
    }

    /** A push subscription that records the records and the last error it received. */
    public static final class Subscriber implements StreamObserver<SubscribeResponse> {
        public final List<StoredRecord> received = new CopyOnWriteArrayList<>();
        /** A {@code protocol.v1.Error} the service answered, or the transport's {@code Throwable}. */
        public final AtomicReference<Object> error = new AtomicReference<>();
        private final StreamObserver<SubscribeRequest> requests;

        Subscriber(StreamLogGrpc.StreamLogStub async, String stream, String shardId, Position position, long credits) {
            requests = async.subscribe(this);
            requests.onNext(SubscribeRequest.newBuilder().setStart(SubscribeStart.newBuilder()
                    .setStream(ref(stream)).setShardId(shardId).setPosition(position).setCredits(credits)).build());
        }

        public void grant(long credits) {
            requests.onNext(SubscribeRequest.newBuilder().setCredits(credits).build());
        }

        public void close() {
            requests.onCompleted();
        }

        @Override
        public void onNext(SubscribeResponse r) {
            if (r.hasError()) {
                error.set(r.getError());
            }
            received.addAll(r.getRecordsList());
        }

        @Override
        public void onError(Throwable t) {
            error.set(t);
        }

        @Override
        public void onCompleted() {
        }
    }

    public static StreamRef ref(String name) {
        return StreamRef.newBuilder().setTenantId(TENANT).setStreamName(name).build();
    }

    public StreamDescription create(String name, int shards) {
        return admin.createStream(CreateStreamRequest.newBuilder().setStream(ref(name)).setShardCount(shards).build());
    }

    /** The open shard whose range holds the key. */
    public static Shard shardFor(StreamDescription stream, String partitionKey) {
        BigInteger hash = HashKeys.ofPartitionKey(partitionKey);
        for (Shard s : stream.getShardsList()) {
            if (s.getEndingSequenceNumber().isEmpty() && new BigInteger(s.getStartingHashKey()).compareTo(hash) <= 0
                    && new BigInteger(s.getEndingHashKey()).compareTo(hash) >= 0) {
                return s;
            }
        }
        throw new AssertionError("no shard holds " + hash);
    }

    public static Record record(String key, byte[] data) {
        return Record.newBuilder().setPartitionKey(key).setData(ByteString.copyFrom(data)).build();
    }

    /** A batch id no other request of this JVM carries. */
    public static long nextBatchId() {
        return BATCH_IDS.incrementAndGet();
    }

    public static AppendRequest batch(String stream, String shardId, List<Record> records) {
        return AppendRequest.newBuilder().setBatchId(BATCH_IDS.incrementAndGet()).setStream(ref(stream))
                .setShardId(shardId).addAllRecords(records).build();
    }

    /** Opens an append stream. */
    public Appender appender() {
        return new Appender();
    }

    /** Appends one batch on its own stream and waits for the answer. */
    public AppendResponse appendOne(AppendRequest request) {
        try (Appender a = appender()) {
            return a.send(request).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    public ReadResponse read(String stream, String shardId, Position position, int maxRecords) {
        return blocking.read(ReadRequest.newBuilder().setStream(ref(stream)).setShardId(shardId)
                .setPosition(position).setMaxRecords(maxRecords).build());
    }

    /** Reads a shard from a position to its current end, following next positions. */
    public List<StoredRecord> readAll(String stream, String shardId, Position from) {
        List<StoredRecord> all = new ArrayList<>();
        Position p = from;
        while (true) {
            ReadResponse r = read(stream, shardId, p, 1000);
            all.addAll(r.getRecordsList());
            p = r.getNextPosition();
            if (r.getRecordsCount() == 0) {
                return all;
            }
        }
    }

    public static Position position(PositionType type) {
        return Position.newBuilder().setType(type).build();
    }

    public static Position at(PositionType type, String sequenceNumber) {
        return Position.newBuilder().setType(type).setSequenceNumber(sequenceNumber).build();
    }

    /** A producer's append stream, matching answers to batches by id. */
    public final class Appender implements AutoCloseable {

        private final Map<Long, CompletableFuture<AppendResponse>> pending = new ConcurrentHashMap<>();
        private final StreamObserver<AppendRequest> requests;
        private final CompletableFuture<Void> closed = new CompletableFuture<>();

        Appender() {
            requests = async.append(new StreamObserver<>() {
                @Override
                public void onNext(AppendResponse r) {
                    CompletableFuture<AppendResponse> f = pending.remove(r.getBatchId());
                    if (f != null) {
                        f.complete(r);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    pending.values().forEach(f -> f.completeExceptionally(t));
                    closed.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    closed.complete(null);
                }
            });
        }

        public synchronized CompletableFuture<AppendResponse> send(AppendRequest request) {
            CompletableFuture<AppendResponse> f = new CompletableFuture<>();
            pending.put(request.getBatchId(), f);
            requests.onNext(request);
            return f;
        }

        @Override
        public void close() {
            synchronized (this) {
                requests.onCompleted();
            }
            try {
                closed.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("append stream did not complete", e);
            }
        }
    }
}
