package io.tributary.ingest.client;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.quarkus.grpc.GrpcClient;
import io.tributary.ingest.config.IngestConfig;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.StreamLogGrpc;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Batches to shard-service over a few long-lived {@code Append} streams per shard-service instance. A
 * batch goes to the instance that writes its shard (the endpoint from the shard map; empty for the
 * configured shard-service). A batch's future completes with shard-service's answer (an acknowledgement
 * after commit, or a refusal), or fails when its stream breaks or the answer does not come in time; a
 * broken stream is replaced by the next batch sent on it. How much is in flight is bounded by the caller
 * ({@code InFlightBudget}), not here.
 */
@ApplicationScoped
public class ShardLogClient {

    private static final Logger LOG = Logger.getLogger(ShardLogClient.class);
    private static final int MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

    private final AppendStream[] configured;
    private final Map<String, Instance> instances = new ConcurrentHashMap<>();
    private final int streamsPerInstance;
    private final long timeoutMillis;
    private final AtomicLong batchIds = new AtomicLong();

    public ShardLogClient(@GrpcClient("shard") Channel channel, IngestConfig config) {
        this.streamsPerInstance = Math.max(1, config.appends().streams());
        this.configured = streams(StreamLogGrpc.newStub(channel), streamsPerInstance);
        this.timeoutMillis = config.appends().timeout().toMillis();
    }

    private AppendStream[] streams(StreamLogGrpc.StreamLogStub stub, int n) {
        AppendStream[] streams = new AppendStream[n];
        for (int i = 0; i < n; i++) {
            streams[i] = new AppendStream(stub);
        }
        return streams;
    }

    /**
     * Sends a batch to the instance at {@code endpoint} ({@code host:port}; empty for the configured
     * shard-service); {@code spread} picks the stream (the same shard always uses the same stream, so its
     * batches are committed in the order they were sent).
     */
    public CompletableFuture<AppendResponse> append(String endpoint, AppendRequest.Builder batch, int spread) {
        long id = batchIds.incrementAndGet();
        AppendRequest request = batch.setBatchId(id).build();
        AppendStream[] streams = endpoint == null || endpoint.isEmpty() ? configured
                : instances.computeIfAbsent(endpoint, Instance::new).streams;
        return streams[Math.floorMod(spread, streams.length)].send(id, request)
                .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** The channel to the shard-service instance at {@code endpoint} ({@code host:port}), opened on first use. */
    public Channel channelTo(String endpoint) {
        return instances.computeIfAbsent(endpoint, Instance::new).channel;
    }

    @PreDestroy
    void close() {
        for (AppendStream s : configured) {
            s.close();
        }
        for (Instance i : instances.values()) {
            for (AppendStream s : i.streams) {
                s.close();
            }
            i.channel.shutdown();
        }
    }

    /** A shard-service instance named by the shard map, reached over a channel of its own. */
    private final class Instance {

        final ManagedChannel channel;
        final AppendStream[] streams;

        Instance(String endpoint) {
            this.channel = NettyChannelBuilder.forTarget(endpoint).usePlaintext()
                    .maxInboundMessageSize(MAX_MESSAGE_BYTES).build();
            this.streams = streams(StreamLogGrpc.newStub(channel), streamsPerInstance);
        }
    }

    /**
     * One Append stream and the batches waiting for their answer on it.
     *
     * <p>The stub runs its callbacks on the thread that delivers them (gRPC's I/O thread for answers),
     * not on an executor: an answer completes its batch's future without waking another thread first.
     * The price is re-entrancy: a stream that cannot be opened, or breaks while a batch is written, fails
     * on the sending thread, inside {@link #send}, which therefore reads the stream's state again after
     * opening it and puts every batch into the table of waiting batches before writing it.
     */
    private static final class AppendStream {

        private final StreamLogGrpc.StreamLogStub stub;
        private ClientCallStreamObserver<AppendRequest> requests;
        private Map<Long, CompletableFuture<AppendResponse>> pending;
        private Throwable lastFailure;

        AppendStream(StreamLogGrpc.StreamLogStub stub) {
            this.stub = stub.withExecutor(MoreExecutors.directExecutor());
        }

        synchronized CompletableFuture<AppendResponse> send(long id, AppendRequest request) {
            CompletableFuture<AppendResponse> answer = new CompletableFuture<>();
            if (requests == null) {
                open();
            }
            Map<Long, CompletableFuture<AppendResponse>> waiting = pending;
            ClientCallStreamObserver<AppendRequest> stream = requests;
            if (waiting == null || stream == null) {
                // The stream failed while it was being opened (delivered on this thread): not sent.
                answer.completeExceptionally(lastFailure != null ? lastFailure
                        : new IllegalStateException("the Append stream to shard-service could not be opened"));
                return answer;
            }
            // In the table before it is written: a failure while writing completes it with the others.
            waiting.put(id, answer);
            answer.whenComplete((r, e) -> waiting.remove(id));
            try {
                stream.onNext(request);
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
            return answer;
        }

        private void open() {
            Map<Long, CompletableFuture<AppendResponse>> waiting = new ConcurrentHashMap<>();
            pending = waiting;
            stub.append(new ClientResponseObserver<AppendRequest, AppendResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<AppendRequest> stream) {
                    requests = stream;
                }

                @Override
                public void onNext(AppendResponse response) {
                    CompletableFuture<AppendResponse> f = waiting.get(response.getBatchId());
                    if (f != null) {
                        f.complete(response);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    LOG.debugf("Append stream to shard-service failed: %s", t.toString());
                    broken(waiting, t);
                }

                @Override
                public void onCompleted() {
                    broken(waiting, new IllegalStateException("shard-service closed the Append stream"));
                }
            });
        }

        private void broken(Map<Long, CompletableFuture<AppendResponse>> waiting, Throwable cause) {
            synchronized (this) {
                lastFailure = cause;
                if (pending == waiting) {
                    requests = null;
                    pending = null;
                }
            }
            for (CompletableFuture<AppendResponse> f : waiting.values()) {
                f.completeExceptionally(cause);
            }
        }

        synchronized void close() {
            if (requests != null) {
                requests.onCompleted();
                requests = null;
            }
        }
    }
}
