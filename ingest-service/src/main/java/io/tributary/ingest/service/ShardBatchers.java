package io.tributary.ingest.service;

import io.tributary.batch.RecordBatchWriter;
import io.tributary.ingest.client.ShardLogClient;
import io.tributary.ingest.config.IngestConfig;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.StreamRef;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Micro-batching per shard: records for the same shard from concurrent requests share one append. A
 * batch is sent when it reaches {@code batching.max-records} or {@code batching.max-bytes}, or
 * {@code batching.linger} after its first record. Every record learns its own outcome: its sequence
 * number once the batch is committed, or the error that refused or lost the batch. Nothing is reported
 * as stored that shard-service did not acknowledge.
 */
@ApplicationScoped
public class ShardBatchers {

    private final ShardLogClient log;
    private final ShardMaps shardMaps;
    private final Vertx vertx;
    private final long lingerMillis;
    private final int maxRecords;
    private final int maxBytes;
    private final Map<String, Batcher> batchers = new ConcurrentHashMap<>();

    public ShardBatchers(ShardLogClient log, Vertx vertx, IngestConfig config, ShardMaps shardMaps) {
        this.log = log;
        this.shardMaps = shardMaps;
        this.vertx = vertx;
        this.lingerMillis = Math.max(1, config.batching().linger().toMillis());
        this.maxRecords = config.batching().maxRecords();
        this.maxBytes = config.batching().maxBytes();
    }

    /** A record on its way: its parts and where its outcome goes. */
    public record Pending(byte[] key, byte[] data, String explicitHashKey, Consumer<RecordResult> outcome, int reroutes) {

        public Pending(byte[] key, byte[] data, String explicitHashKey, Consumer<RecordResult> outcome) {
            this(key, data, explicitHashKey, outcome, 0);
        }

        Pending rerouted() {
            return new Pending(key, data, explicitHashKey, outcome, reroutes + 1);
        }
    }

    /** A record whose batch went to a shard that no longer owns its key is routed again at most this often. */
    static final int MAX_REROUTES = 5;
    private static final BatchFailureListener NO_LISTENER = code -> {
    };

    /** Failures a batch can meet, for the caller to react (refresh a shard map). */
    public interface BatchFailureListener {
        void refused(ErrorCode code);
    }

    /** Adds records of one request, all for the same shard, to that shard's open batch, in order. */
    public void addAll(String tenantId, String streamName, String shardId, List<Pending> records,
                       BatchFailureListener listener) {
        String k = tenantId + "/" + streamName + "/" + shardId;
        batchers.computeIfAbsent(k, x -> new Batcher(tenantId, streamName, shardId)).addAll(records, listener);
    }

    /** A batch closed for sending, with the records it carries and who to tell about a refusal. */
    private record Closed(AppendRequest.Builder request, List<Pending> records, List<BatchFailureListener> listeners) {
    }

    private final class Batcher {

        private final StreamRef stream;
        private final String shardId;
        private final int spread;
        private final RecordBatchWriter writer = new RecordBatchWriter(64 * 1024);
        private List<Pending> records = new ArrayList<>();
        private List<BatchFailureListener> listeners = new ArrayList<>();
        private boolean explicit;
        private long timer = -1;

        Batcher(String tenantId, String streamName, String shardId) {
            this.stream = StreamRef.newBuilder().setTenantId(tenantId).setStreamName(streamName).build();
            this.shardId = shardId;
            this.spread = (tenantId + streamName + shardId).hashCode();
        }

        void addAll(List<Pending> added, BatchFailureListener listener) {
            List<Closed> ready = null;
            synchronized (this) {
                for (Pending record : added) {
                    writer.add(record.key(), 0, record.key().length, record.data(), 0, record.data().length);
                    records.add(record);
                    if (listeners.isEmpty() || listeners.get(listeners.size() - 1) != listener) {
                        listeners.add(listener);
                    }
                    explicit |= record.explicitHashKey() != null;
                    if (records.size() >= maxRecords || writer.size() >= maxBytes) {
                        if (ready == null) {
                            ready = new ArrayList<>(2);
                        }
                        ready.add(take());
                    }
                }
                if (!records.isEmpty() && timer < 0) {
                    timer = vertx.setTimer(lingerMillis, id -> lingerExpired());
                }
            }
            if (ready != null) {
                ready.forEach(this::send);
            }
        }

        private void lingerExpired() {
            Closed ready;
            synchronized (this) {
                timer = -1;
                if (records.isEmpty()) {
                    return;
                }
                ready = take();
            }
            send(ready);
        }

        /** Closes the open batch (caller holds the lock). */
        private Closed take() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
            AppendRequest.Builder request = AppendRequest.newBuilder().setStream(stream).setShardId(shardId)
                    .setEncodedRecords(com.google.protobuf.UnsafeByteOperations.unsafeWrap(writer.finish()));
            if (explicit) {
                for (Pending p : records) {
                    request.addExplicitHashKeys(p.explicitHashKey() == null ? "" : p.explicitHashKey());
                }
            }
            Closed closed = new Closed(request, records, listeners);
            records = new ArrayList<>();
            listeners = new ArrayList<>();
            explicit = false;
            return closed;
        }

        private void send(Closed batch) {
            StreamRef stream = this.stream;
            List<Pending> sent = batch.records();
            String endpoint = shardMaps.endpointOf(stream.getTenantId(), stream.getStreamName(), shardId);
            CompletableFuture<AppendResponse> answer = log.append(endpoint, batch.request(), spread);
            answer.whenComplete((response, error) -> {
                if (error != null) {
                    // The instance may be gone: the next batch describes the stream again to find the
                    // shard's writer. Whether this batch was stored is unknown, so it is not sent again.
                    shardMaps.invalidate(stream.getTenantId(), stream.getStreamName());
                    fail(sent, "InternalFailure", "shard-service did not answer: " + error.getMessage());
                } else if (response.hasAck()) {
                    var ack = response.getAck();
                    String ackShard = ack.getShardId();
                    for (int i = 0; i < sent.size(); i++) {
                        sent.get(i).outcome().accept(RecordResult.stored(ackShard, ack.getSequenceNumbers(i)));
                    }
                } else {
                    ErrorCode code = response.getError().getCode();
                    for (BatchFailureListener l : batch.listeners()) {
                        l.refused(code);
                    }
                    if (code == ErrorCode.SHARD_CLOSED || code == ErrorCode.WRONG_SHARD || code == ErrorCode.SHARD_NOT_FOUND
                            || code == ErrorCode.NOT_OWNER) {
                        // Resharding, or the shard's writer moved to another instance: nothing of the batch
                        // was stored, so its records can go to the shards that own their keys now, on the
                        // instances that write them now.
                        reroute(stream, sent, response.getError().getMessage());
                        return;
                    }
                    fail(sent, code == ErrorCode.UNAVAILABLE ? "ProvisionedThroughputExceededException" : "InternalFailure",
                            response.getError().getMessage());
                }
            });
        }

        /**
         * Routes refused records again with a fresh shard map, after a pause that grows with each attempt
         * (the map may still show the old shards for the few milliseconds a change takes to commit).
         */
        private void reroute(StreamRef stream, List<Pending> refused, String message) {
            List<Pending> again = new ArrayList<>(refused.size());
            int attempt = 0;
            for (Pending p : refused) {
                if (p.reroutes() >= MAX_REROUTES) {
                    p.outcome().accept(RecordResult.failed("InternalFailure", message));
                } else {
                    again.add(p.rerouted());
                    attempt = Math.max(attempt, p.reroutes());
                }
            }
            if (again.isEmpty()) {
                return;
            }
            String tenantId = stream.getTenantId();
            String streamName = stream.getStreamName();
            shardMaps.invalidate(tenantId, streamName);
            Runnable route = () -> shardMaps.get(tenantId, streamName).subscribe().with(map -> {
                Map<String, List<Pending>> byShard = new java.util.LinkedHashMap<>();
                for (Pending p : again) {
                    var shard = map.shardFor(io.tributary.ingest.ShardMap.hashOf(p.key(), p.explicitHashKey()));
                    if (shard == null) {
                        p.outcome().accept(RecordResult.failed("InternalFailure", "no open shard of stream "
                                + streamName + " holds the record's hash key"));
                    } else {
                        byShard.computeIfAbsent(shard.shardId(), k -> new ArrayList<>()).add(p);
                    }
                }
                byShard.forEach((shardId, records) -> ShardBatchers.this.addAll(tenantId, streamName, shardId, records, NO_LISTENER));
            }, failure -> fail(again, "InternalFailure", "the stream's shards could not be described again: "
                    + failure.getMessage()));
            if (attempt == 0) {
                route.run();
            } else {
                vertx.setTimer(10L * attempt, id -> route.run());
            }
        }

        private void fail(List<Pending> sent, String code, String message) {
            for (Pending p : sent) {
                p.outcome().accept(RecordResult.failed(code, message));
            }
        }
    }
}
