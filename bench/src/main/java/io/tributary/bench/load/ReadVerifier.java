package io.tributary.bench.load;

import com.google.protobuf.ByteString;
import io.tributary.bench.Payload;
import io.tributary.bench.ShardMap;
import io.tributary.bench.measure.DeliveryLedger;
import io.tributary.protocol.v1.Position;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.ReadRequest;
import io.tributary.protocol.v1.ReadResponse;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamRef;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code --verify-read}: reads every shard from TRIM_HORIZON with the unary Read, page after page along
 * {@code next_position}, and checks the acknowledged records against what comes back, independently of the
 * subscriptions.
 */
public final class ReadVerifier {

    private static final int PAGE_RECORDS = 10_000;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    /**
     * @param delivery     exactly-once check of the read path
     * @param records      records read, probes included
     * @param pages        Read calls made
     * @param outOfOrder   records whose sequence number did not increase within their shard
     * @param corrupted    records whose payload bytes differ from what was written
     * @param elapsedNanos time spent reading
     */
    public record Result(DeliveryLedger.Summary delivery, long records, long pages, long outOfOrder, long corrupted,
                         long elapsedNanos) {
    }

    private ReadVerifier() {
    }

    public static Result verify(StreamLogGrpc.StreamLogBlockingStub stub, StreamRef stream, ShardMap shards,
                                DeliveryLedger acknowledgements, Payload payload) {
        long start = System.nanoTime();
        DeliveryLedger ledger = acknowledgements.withAcknowledgementsOnly();
        long records = 0;
        long pages = 0;
        long outOfOrder = 0;
        long corrupted = 0;
        long[] ids = new long[PAGE_RECORDS];
        for (ShardMap.ShardRange shard : shards.shards()) {
            Position position = Position.newBuilder().setType(PositionType.TRIM_HORIZON).build();
            String last = null;
            while (true) {
                ReadResponse page = stub.withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .read(ReadRequest.newBuilder()
                                .setStream(stream)
                                .setShardId(shard.shardId())
                                .setPosition(position)
                                .setMaxRecords(PAGE_RECORDS)
                                .build());
                pages++;
                int count = page.getRecordsCount();
                if (count == 0) {
                    break;
                }
                if (ids.length < count) {
                    ids = new long[count];
                }
                int n = 0;
                for (StoredRecord record : page.getRecordsList()) {
                    records++;
                    if (last != null && SequenceNumbers.compare(last, record.getSequenceNumber()) >= 0) {
                        outOfOrder++;
                    }
                    last = record.getSequenceNumber();
                    ByteString data = record.getData();
                    if (data.size() < Payload.HEADER_BYTES) {
                        ledger.foreign(1);
                        continue;
                    }
                    long word = Payload.word(data);
                    if (Payload.producerOf(word) == Payload.PROBE_PRODUCER) {
                        continue;
                    }
                    if (!payload.matches(data, word)) {
                        corrupted++;
                    }
                    ids[n++] = Payload.idOf(word);
                }
                ledger.received(ids, n);
                if (!page.hasNextPosition()) {
                    throw new IllegalStateException("a Read of " + shard.shardId() + " returned records without next_position");
                }
                position = page.getNextPosition();
            }
        }
        return new Result(ledger.summarize(), records, pages, outOfOrder, corrupted, System.nanoTime() - start);
    }
}
