package io.tributary.shard.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.tributary.protocol.v1.AppendAck;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.ReadRequest;
import io.tributary.protocol.v1.ReadResponse;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.SubscribeRequest;
import io.tributary.protocol.v1.SubscribeResponse;
import io.tributary.shard.AppendBatch;
import io.tributary.shard.AppendResult;
import io.tributary.shard.LogException;
import io.tributary.shard.ReadResult;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.service.AppendCallback;
import io.tributary.shard.service.AppendService;
import io.tributary.shard.service.ReadService;
import io.tributary.shard.service.Subscription;
import io.tributary.shard.service.SubscriptionService;
import io.tributary.shard.service.SubscriptionSink;

import java.util.ArrayList;
import java.util.List;

/**
 * The internal log API. Written against grpc-java's observers rather than Mutiny so that flow control is
 * explicit: an append stream asks for its next batch only when the previous one holds its place in the
 * commit order, its window of unacknowledged batches has room and the commit queue has room; a
 * subscription sends only against granted credit and while the transport is ready.
 */
@GrpcService
public class StreamLogGrpcService extends StreamLogGrpc.StreamLogImplBase {

    private final AppendService appends;
    private final ReadService reads;
    private final SubscriptionService subscriptions;
    private final ShardServiceConfig config;

    public StreamLogGrpcService(AppendService appends, ReadService reads, SubscriptionService subscriptions,
                                ShardServiceConfig config) {
        this.appends = appends;
        this.reads = reads;
        this.subscriptions = subscriptions;
        this.config = config;
    }

    @Override
    public StreamObserver<AppendRequest> append(StreamObserver<AppendResponse> responses) {
        ServerCallStreamObserver<AppendResponse> out = (ServerCallStreamObserver<AppendResponse>) responses;
        out.disableAutoRequest();
        AppendSession session = new AppendSession(out, config.append().maxInFlightBatchesPerStream());
        out.setOnCancelHandler(session::cancelled);
        out.request(1);
        return session;
    }

    @Override
    public void read(ReadRequest request, StreamObserver<ReadResponse> responses) {
        io.tributary.shard.Position position;
        try {
            position = ProtoMapper.position(request.getPosition());
        } catch (LogException e) {
            responses.onError(GrpcErrors.status(e));
            return;
        }
        reads.read(request.getStream().getTenantId(), request.getStream().getStreamName(), request.getShardId(),
                        position, request.getMaxRecords(), request.getMaxBytes())
                .subscribe().with(result -> {
                    responses.onNext(readResponse(result));
                    responses.onCompleted();
                }, e -> responses.onError(GrpcErrors.status(e)));
    }

    @Override
    public StreamObserver<SubscribeRequest> subscribe(StreamObserver<SubscribeResponse> responses) {
        ServerCallStreamObserver<SubscribeResponse> out = (ServerCallStreamObserver<SubscribeResponse>) responses;
        SubscribeSession session = new SubscribeSession(out);
        out.setOnReadyHandler(session::onReady);
        out.setOnCancelHandler(session::cancelled);
        return session;
    }

    private static ReadResponse readResponse(ReadResult result) {
        ReadResponse.Builder b = ReadResponse.newBuilder()
                .setNextPosition(ProtoMapper.continuation(result))
                .setMillisBehindLatest(result.millisBehindLatest());
        if (result.shardEnded()) {
            b.setShardEnded(true);
            result.childShards().forEach(c -> b.addChildShards(ProtoMapper.shard(c)));
        }
        return b.addAllRecords(ProtoMapper.records(result)).build();
    }

    /** One producer's append stream. */
    private final class AppendSession implements StreamObserver<AppendRequest> {

        private final ServerCallStreamObserver<AppendResponse> out;
        private final int window;
        private int inFlight;
        private boolean waitingToRequest;
        private boolean waitingForRoom;
        private boolean halfClosed;
        private boolean done;

        AppendSession(ServerCallStreamObserver<AppendResponse> out, int window) {
            this.out = out;
            this.window = window;
        }

        @Override
        public void onNext(AppendRequest request) {
            synchronized (this) {
                inFlight++;
            }
            long batchId = request.getBatchId();
            AppendBatch batch;
            try {
                batch = ProtoMapper.appendBatch(request);
            } catch (LogException e) {
                batch = null;
                refuseBatch(batchId, e);
            }
            if (batch == null) {
                return;
            }
            appends.append(request.getStream().getTenantId(), request.getStream().getStreamName(),
                    request.getShardId(), batch, request.getTraceparent(), new AppendCallback() {
                        @Override
                        public void queued() {
                            synchronized (AppendSession.this) {
                                waitingToRequest = true;
                            }
                            requestIfRoom();
                        }

                        @Override
                        public void committed(AppendResult result) {
                            AppendAck.Builder ack = AppendAck.newBuilder().setShardId(result.shard().shardId())
                                    .setArrivalTimestampMillis(result.arrivalMillis());
                            for (int i = 0; i < result.count(); i++) {
                                ack.addSequenceNumbersBytes(result.sequenceNumberBytes(i));
                            }
                            respond(AppendResponse.newBuilder().setBatchId(batchId).setAck(ack).build());
                        }

                        @Override
                        public void failed(LogException error) {
                            respond(AppendResponse.newBuilder().setBatchId(batchId)
                                    .setError(GrpcErrors.error(error)).build());
                        }
                    });
        }

        /** Answers a batch refused before it reached the log; it still takes its turn in the request order. */
        private void refuseBatch(long batchId, LogException error) {
            synchronized (this) {
                waitingToRequest = true;
            }
            respond(AppendResponse.newBuilder().setBatchId(batchId).setError(GrpcErrors.error(error)).build());
        }

        private void respond(AppendResponse response) {
            boolean complete;
            synchronized (this) {
                inFlight--;
                if (!done) {
                    out.onNext(response);
                }
                complete = halfClosed && inFlight == 0 && !done;
                if (complete) {
                    done = true;
                }
            }
            if (complete) {
                out.onCompleted();
            } else {
                requestIfRoom();
            }
        }

        /** Asks for the next batch once the window and the commit queue have room. */
        private void requestIfRoom() {
            synchronized (this) {
                if (!waitingToRequest || done || halfClosed || inFlight >= window) {
                    return;
                }
                if (!appends.hasRoom()) {
                    // One registration per session while the queue is full, however many acks arrive.
                    if (!waitingForRoom) {
                        waitingForRoom = true;
                        appends.whenRoom(this::roomAvailable);
                    }
                    return;
                }
                waitingToRequest = false;
            }
            out.request(1);
        }

        private void roomAvailable() {
            synchronized (this) {
                waitingForRoom = false;
            }
            requestIfRoom();
        }

        @Override
        public void onError(Throwable t) {
            cancelled();
        }

        @Override
        public void onCompleted() {
            boolean complete;
            synchronized (this) {
                halfClosed = true;
                complete = inFlight == 0 && !done;
                if (complete) {
                    done = true;
                }
            }
            if (complete) {
                out.onCompleted();
            }
        }

        void cancelled() {
            // Batches already queued still commit; their acknowledgements have nowhere to go.
            synchronized (this) {
                done = true;
            }
        }
    }

    /** One subscriber's push stream. */
    private final class SubscribeSession implements StreamObserver<SubscribeRequest>, SubscriptionSink {

        private final ServerCallStreamObserver<SubscribeResponse> out;
        private Subscription subscription;
        private long earlyCredits;
        private boolean started;
        private boolean finished;

        SubscribeSession(ServerCallStreamObserver<SubscribeResponse> out) {
            this.out = out;
        }

        @Override
        public void onNext(SubscribeRequest request) {
            if (request.hasStart()) {
                synchronized (this) {
                    if (started) {
                        failNow(Status.INVALID_ARGUMENT.withDescription("a subscription takes one start message"));
                        return;
                    }
                    started = true;
                    earlyCredits += request.getStart().getCredits();
                }
                var start = request.getStart();
                io.tributary.shard.Position position;
                try {
                    position = ProtoMapper.position(start.getPosition());
                } catch (LogException e) {
                    fail(e);
                    return;
                }
                subscriptions.subscribe(start.getStream().getTenantId(), start.getStream().getStreamName(),
                        start.getShardId(), position, this).subscribe().with(s -> {
                            long credits;
                            synchronized (this) {
                                if (finished) {
                                    return;
                                }
                                subscription = s;
                                credits = earlyCredits;
                            }
                            s.grant(credits);
                        }, this::fail);
            } else {
                Subscription s;
                synchronized (this) {
                    if (!started) {
                        failNow(Status.INVALID_ARGUMENT.withDescription("the first message must carry start"));
                        return;
                    }
                    s = subscription;
                    if (s == null) {
                        earlyCredits += request.getCredits();
                        return;
                    }
                }
                s.grant(request.getCredits());
            }
        }

        void onReady() {
            Subscription s;
            synchronized (this) {
                s = subscription;
            }
            if (s != null) {
                s.pump();
            }
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public void send(ReadResult result) {
            SubscribeResponse.Builder b = SubscribeResponse.newBuilder()
                    .setContinuation(ProtoMapper.continuation(result))
                    .setMillisBehindLatest(result.millisBehindLatest());
            b.addAllRecords(ProtoMapper.records(result));
            if (result.shardEnded()) {
                b.setShardEnded(true);
                result.childShards().forEach(c -> b.addChildShards(ProtoMapper.shard(c)));
            }
            synchronized (this) {
                if (!finished) {
                    out.onNext(b.build());
                    if (result.shardEnded()) {
                        finished = true;
                        out.onCompleted();
                    }
                }
            }
        }

        @Override
        public void fail(LogException error) {
            fail((Throwable) error);
        }

        private void fail(Throwable t) {
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
                out.onNext(SubscribeResponse.newBuilder().setError(GrpcErrors.error(t)).build());
                out.onCompleted();
            }
        }

        private void failNow(Status status) {
            if (!finished) {
                finished = true;
                out.onError(status.asRuntimeException());
            }
        }

        @Override
        public void onError(Throwable t) {
            cancelled();
        }

        @Override
        public void onCompleted() {
            Subscription s;
            synchronized (this) {
                s = subscription;
                if (!finished) {
                    finished = true;
                    out.onCompleted();
                }
            }
            if (s != null) {
                s.cancel();
            }
        }

        void cancelled() {
            Subscription s;
            synchronized (this) {
                finished = true;
                s = subscription;
            }
            if (s != null) {
                s.cancel();
            }
        }
    }
}
