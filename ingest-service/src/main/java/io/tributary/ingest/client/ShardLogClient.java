package io.tributary.ingest.client;

import io.grpc.Channel;
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
 * Batches to shard-service over a few long-lived {@code Append} streams. A batch's future completes with
 * shard-service's answer (an acknowledgement after commit, or a refusal), or fails when its stream
 * breaks or the answer does not come in time; a broken stream is replaced by the next batch sent on it.
 * How much is in flight is bounded by the caller ({@code InFlightBudget}), not here.
 */
@ApplicationScoped
public class ShardLogClient {

    private static final Logger LOG = Logger.getLogger(ShardLogClient.class);

    private final StreamLogGrpc.StreamLogStub stub;
    private final AppendStream[] streams;
    private final long timeoutMillis;
    private final AtomicLong batchIds = new AtomicLong();

    public ShardLogClient(@GrpcClient("shard") Channel channel, IngestConfig config) {
        this.stub = StreamLogGrpc.newStub(channel);
        this.streams = new AppendStream[Math.max(1, config.appends().streams())];
        for (int i = 0; i < streams.length; i++) {
            streams[i] = new AppendStream();
        }
        this.timeoutMillis = config.appends().timeout().toMillis();
    }

    /**
     * Sends a batch; {@code spread} picks the stream (the same shard always uses the same stream, so its
     * batches are committed in the order they were sent).
     */
    public CompletableFuture<AppendResponse> append(AppendRequest.Builder batch, int spread) {
        long id = batchIds.incrementAndGet();
        AppendRequest request = batch.setBatchId(id).build();
        return streams[Math.floorMod(spread, streams.length)].send(id, request)
                .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void close() {
        for (AppendStream s : streams) {
            s.close();
        }
    }

    /** One Append stream and the batches waiting for their answer on it. */
    private final class AppendStream {

        private ClientCallStreamObserver<AppendRequest> requests;
        private Map<Long, CompletableFuture<AppendResponse>> pending;

        synchronized CompletableFuture<AppendResponse> send(long id, AppendRequest request) {
            if (requests == null) {
                open();
            }
            CompletableFuture<AppendResponse> answer = new CompletableFuture<>();
            Map<Long, CompletableFuture<AppendResponse>> waiting = pending;
            waiting.put(id, answer);
            answer.whenComplete((r, e) -> waiting.remove(id));
            try {
                requests.onNext(request);
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
