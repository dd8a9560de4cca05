package io.tributary.bench.load;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.batch.RecordBatchWriter;
import io.tributary.bench.BenchSettings;
import io.tributary.bench.BenchSettings.AppendForm;
import io.tributary.bench.Payload;
import io.tributary.bench.ShardMap;
import io.tributary.bench.ShardMap.KeyPool;
import io.tributary.bench.measure.DeliveryLedger;
import io.tributary.bench.measure.Latencies;
import io.tributary.bench.measure.LoadStats;
import io.tributary.protocol.v1.AppendAck;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamRef;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One producer: its own Append stream (on its own connection), batches of {@code --batch-records} records for
 * one shard at a time, shards in turn, at most {@code --window} batches unacknowledged.
 *
 * <p>Runs on its own thread, which builds and serializes batches (grpc-java serializes in {@code onNext}).
 * Responses arrive on the channel's event loop; they only update counters and release window permits.
 */
public final class Producer implements LoadProducer {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long CLOSE_WAIT_SECONDS = 10;

    private record InFlight(int shard, long firstCounter, int count, long sentNanos, boolean measured) {
    }

    private final int id;
    private final BenchSettings settings;
    private final StreamRef stream;
    private final ShardMap shards;
    private final KeyPool keys;
    private final Payload payload;
    private final StreamLogGrpc.StreamLogStub stub;
    private final RunControl control;
    private final DeliveryLedger ledger;
    private final Latencies latencies;
    private final LoadStats stats;
    private final Semaphore window;
    private final RecordBatchWriter writer = new RecordBatchWriter(64 * 1024);
    private final Map<Long, InFlight> inFlight = new ConcurrentHashMap<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Throwable failure;
    private volatile boolean cancelling;

    public Producer(int id, BenchSettings settings, StreamRef stream, ShardMap shards, KeyPool keys, Payload payload,
                    StreamLogGrpc.StreamLogStub stub, RunControl control, DeliveryLedger ledger, Latencies latencies,
                    LoadStats stats) {
        this.id = id;
        this.settings = settings;
        this.stream = stream;
        this.shards = shards;
        this.keys = keys;
        this.payload = payload;
        this.stub = stub;
        this.control = control;
        this.ledger = ledger;
        this.latencies = latencies;
        this.stats = stats;
        this.window = new Semaphore(settings.window());
    }

    @Override
    public void run() {
        ClientCallStreamObserver<AppendRequest> requests = (ClientCallStreamObserver<AppendRequest>) stub.append(new Responses());
        SplittableRandom random = new SplittableRandom(settings.seed() * 31 + id);
        Pacer pacer = new Pacer(settings, control, settings.batchRecords());
        long counter = 0;
        long batchId = 0;
        int cursor = id % shards.size();
        try {
            while (!control.sendingStopped() && failure == null) {
                // A fixed schedule: a batch that could not leave on time (full window) leaves as soon as it can.
                long wait = pacer.waitNanos();
                if (wait > 0) {
                    LockSupport.parkNanos(Math.min(wait, POLL_NANOS));
                    continue;
                }
                if (!window.tryAcquire(POLL_NANOS, TimeUnit.NANOSECONDS)) {
                    continue;
                }
                if (control.sendingStopped() || failure != null) {
                    window.release();
                    break;
                }
                boolean measured = control.measuring();
                int count = control.claim(settings.batchRecords(), measured);
                if (count == 0) {
                    window.release();
                    break;
                }
                if (counter + count > Integer.MAX_VALUE) {
                    window.release();
                    control.abort("producer " + id + " exhausted its record counter");
                    break;
                }
                int shard = cursor;
                cursor = (cursor + 1) % shards.size();
                byte[] buffer = new byte[count * payload.recordBytes()];
                long sentNanos;
                AppendRequest request;
                if (settings.appendForm() == AppendForm.ENCODED) {
                    // The encoding copies the data and checksums it, so the send time is stamped before:
                    // the latencies include encoding the batch, as they would in any producer.
                    sentNanos = System.nanoTime();
                    request = encodedBatch(batchId, shard, counter, count, measured, buffer, random, sentNanos);
                } else {
                    request = batch(batchId, shard, counter, count, measured, buffer, random);
                    // The records wrap `buffer` without copying and are serialized in onNext, so the send time
                    // can be stamped after building: the latencies do not include batch assembly.
                    sentNanos = System.nanoTime();
                    payload.stampSendTime(buffer, count, sentNanos);
                }
                inFlight.put(batchId, new InFlight(shard, counter, count, sentNanos, measured));
                stats.sent();
                requests.onNext(request);
                counter += count;
                batchId++;
                pacer.sent();
            }
            drainAndClose(requests);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel(requests, "interrupted", e);
        } catch (RuntimeException e) {
            failure = e;
            control.abort("producer " + id + " failed: " + e);
            cancel(requests, "producer failed", e);
        }
    }

    private AppendRequest batch(long batchId, int shard, long firstCounter, int count, boolean measured, byte[] buffer,
                                SplittableRandom random) {
        AppendRequest.Builder request = AppendRequest.newBuilder()
                .setBatchId(batchId)
                .setStream(stream)
                .setShardId(shards.get(shard).shardId());
        int recordBytes = payload.recordBytes();
        int keysPerShard = keys.keysPerShard();
        for (int i = 0; i < count; i++) {
            int offset = i * recordBytes;
            payload.write(buffer, offset, id, firstCounter + i, measured);
            int key = random.nextInt(keysPerShard);
            Record.Builder record = Record.newBuilder()
                    .setPartitionKey(keys.partitionKey(shard, key))
                    .setData(UnsafeByteOperations.unsafeWrap(buffer, offset, recordBytes));
            String explicitHashKey = keys.explicitHashKey(shard, key);
            if (explicitHashKey != null) {
                record.setExplicitHashKey(explicitHashKey);
            }
            request.addRecords(record);
        }
        return request.build();
    }

    private AppendRequest encodedBatch(long batchId, int shard, long firstCounter, int count, boolean measured,
                                       byte[] buffer, SplittableRandom random, long sentNanos) {
        AppendRequest.Builder request = AppendRequest.newBuilder()
                .setBatchId(batchId)
                .setStream(stream)
                .setShardId(shards.get(shard).shardId());
        int recordBytes = payload.recordBytes();
        int keysPerShard = keys.keysPerShard();
        for (int i = 0; i < count; i++) {
            payload.write(buffer, i * recordBytes, id, firstCounter + i, measured);
        }
        payload.stampSendTime(buffer, count, sentNanos);
        for (int i = 0; i < count; i++) {
            int key = random.nextInt(keysPerShard);
            byte[] keyBytes = keys.partitionKeyBytes(shard, key);
            writer.add(keyBytes, 0, keyBytes.length, buffer, i * recordBytes, recordBytes);
            String explicitHashKey = keys.explicitHashKey(shard, key);
            if (explicitHashKey != null) {
                request.addExplicitHashKeys(explicitHashKey);
            }
        }
        return request.setEncodedRecords(UnsafeByteOperations.unsafeWrap(writer.finish())).build();
    }

    /** Waits (bounded) for the acknowledgements of the window, then half-closes the Append stream. */
    private void drainAndClose(ClientCallStreamObserver<AppendRequest> requests) throws InterruptedException {
        boolean drained = window.tryAcquire(settings.window(), settings.ackTimeout().toNanos(), TimeUnit.NANOSECONDS);
        if (drained) {
            window.release(settings.window());
        }
        if (failure != null) {
            return; // the call is already closed
        }
        if (!drained || !inFlight.isEmpty()) {
            stats.problem("producer " + id + ": " + inFlight.size() + " batches not acknowledged within --ack-timeout "
                    + settings.ackTimeout());
            cancel(requests, "acknowledgements timed out", null);
            return;
        }
        requests.onCompleted();
        if (!closed.await(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
            stats.problem("producer " + id + ": the server did not complete the Append stream within "
                    + CLOSE_WAIT_SECONDS + " s of the client's half-close");
            cancel(requests, "server did not complete the stream", null);
        }
    }

    private void cancel(ClientCallStreamObserver<AppendRequest> requests, String message, Throwable cause) {
        cancelling = true;
        requests.cancel(message, cause);
        abandonInFlight();
    }

    /** Batches that will never be answered: their outcome is unknown, their window permits come back. */
    private void abandonInFlight() {
        for (Long batchId : inFlight.keySet()) {
            if (inFlight.remove(batchId) != null) {
                stats.unanswered();
                window.release();
            }
        }
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    private final class Responses implements StreamObserver<AppendResponse> {

        @Override
        public void onNext(AppendResponse response) {
            long now = System.nanoTime();
            InFlight batch = inFlight.remove(response.getBatchId());
            if (batch == null) {
                stats.problem("producer " + id + ": response for unknown or already answered batch " + response.getBatchId());
                return;
            }
            switch (response.getResultCase()) {
                case ACK -> acknowledged(batch, response.getAck(), now);
                case ERROR -> {
                    ledger.refused(id, batch.firstCounter(), batch.count());
                    stats.refused(response.getError().getCode().name(), response.getError().getMessage());
                }
                default -> {
                    stats.problem("producer " + id + ": response to batch " + response.getBatchId() + " has neither ack nor error");
                    stats.unanswered();
                }
            }
            window.release();
        }

        private void acknowledged(InFlight batch, AppendAck ack, long now) {
            if (ack.getSequenceNumbersCount() != batch.count()) {
                stats.problem("producer " + id + ": ack of a batch of " + batch.count() + " records carries "
                        + ack.getSequenceNumbersCount() + " sequence numbers");
            } else if (!ack.getShardId().isEmpty() && !ack.getShardId().equals(shards.get(batch.shard()).shardId())) {
                stats.problem("producer " + id + ": batch for " + shards.get(batch.shard()).shardId()
                        + " acknowledged by " + ack.getShardId());
            } else {
                for (int i = 1; i < ack.getSequenceNumbersCount(); i++) {
                    if (SequenceNumbers.compare(ack.getSequenceNumbers(i - 1), ack.getSequenceNumbers(i)) >= 0) {
                        stats.problem("producer " + id + ": sequence numbers of an ack are not strictly increasing at "
                                + ack.getSequenceNumbers(i));
                        break;
                    }
                }
            }
            ledger.acknowledged(id, batch.firstCounter(), batch.count());
            latencies.recordAck(now - batch.sentNanos(), batch.measured());
            stats.acknowledged(batch.count(), (long) batch.count() * payload.recordBytes(), batch.measured(), now);
        }

        @Override
        public void onError(Throwable t) {
            if (!cancelling) {
                failure = t;
                control.abort("producer " + id + ": Append stream failed: " + t);
            }
            abandonInFlight();
            closed.countDown();
        }

        @Override
        public void onCompleted() {
            if (!inFlight.isEmpty()) {
                stats.problem("producer " + id + ": the server completed the Append stream with " + inFlight.size()
                        + " batches unanswered");
                abandonInFlight();
            }
            closed.countDown();
        }
    }
}
