package io.tributary.bench.load;

import io.grpc.stub.StreamObserver;
import io.tributary.bench.Payload;
import io.tributary.bench.ShardMap;
import io.tributary.bench.ShardMap.KeyPool;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamRef;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Proves every subscription is live before the load starts: appends one header-only record per shard and waits
 * until that shard's subscriber has seen it, appending again if not. A subscription started at LATEST only
 * covers records appended after the server resolved its position, which the protocol does not announce; the
 * first probe a subscriber receives proves that moment has passed, so no load record can fall before it.
 */
public final class Probe {

    private static final Duration APPEND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration WAIT_PER_ATTEMPT = Duration.ofMillis(250);
    private static final int ATTEMPTS = 40;

    private Probe() {
    }

    /** @throws IllegalStateException naming the shard whose subscriber never received a probe */
    public static void awaitLive(StreamLogGrpc.StreamLogStub stub, StreamRef stream, ShardMap shards, KeyPool keys,
                                 List<ShardSubscriber> subscribers) throws InterruptedException {
        BlockingQueue<Object> answers = new ArrayBlockingQueue<>(16);
        StreamObserver<AppendRequest> requests = stub.append(new StreamObserver<>() {
            @Override
            public void onNext(AppendResponse response) {
                answers.offer(response);
            }

            @Override
            public void onError(Throwable t) {
                answers.offer(t);
            }

            @Override
            public void onCompleted() {
                answers.offer("completed");
            }
        });
        long batchId = 0;
        try {
            for (int s = 0; s < shards.size(); s++) {
                ShardSubscriber subscriber = subscribers.get(s);
                int attempt = 0;
                while (!subscriber.probeSeen()) {
                    if (subscriber.failure() != null) {
                        throw new IllegalStateException(subscriber.failure());
                    }
                    if (++attempt > ATTEMPTS) {
                        throw new IllegalStateException("the subscriber of " + shards.get(s).shardId()
                                + " received none of " + ATTEMPTS + " acknowledged probe records");
                    }
                    requests.onNext(AppendRequest.newBuilder()
                            .setBatchId(batchId++)
                            .setStream(stream)
                            .setShardId(shards.get(s).shardId())
                            .addRecords(Record.newBuilder()
                                    .setPartitionKey(keys.partitionKey(s, 0))
                                    .setData(Payload.probe(attempt, System.nanoTime()))
                                    .setExplicitHashKey(orEmpty(keys.explicitHashKey(s, 0))))
                            .build());
                    Object answer = answers.poll(APPEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    if (answer == null) {
                        throw new IllegalStateException("probe append to " + shards.get(s).shardId()
                                + " not answered within " + APPEND_TIMEOUT.toSeconds() + " s");
                    }
                    if (!(answer instanceof AppendResponse response)) {
                        throw new IllegalStateException("probe Append stream ended: " + answer);
                    }
                    if (response.hasError()) {
                        throw new IllegalStateException("probe append to " + shards.get(s).shardId() + " refused: "
                                + response.getError().getCode() + ": " + response.getError().getMessage());
                    }
                    subscriber.awaitProbe(WAIT_PER_ATTEMPT);
                }
            }
            requests.onCompleted();
        } catch (RuntimeException | InterruptedException e) {
            requests.onError(e);
            throw e;
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
