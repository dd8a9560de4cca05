package io.tributary.bench.load;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.bench.Payload;
import io.tributary.bench.measure.DeliveryLedger;
import io.tributary.bench.measure.Latencies;
import io.tributary.bench.measure.LoadStats;
import software.amazon.awssdk.services.kinesis.model.Record;

import java.util.List;

/**
 * What a consumer through the Kinesis API does with the records it got: end-to-end latency from the
 * payload's send time, and each record's id into the delivery ledger. One per consumer (not thread-safe).
 */
final class KinesisDelivery {

    private final DeliveryLedger ledger;
    private final Latencies latencies;
    private final LoadStats stats;
    private long[] ids = new long[1024];

    KinesisDelivery(DeliveryLedger ledger, Latencies latencies, LoadStats stats) {
        this.ledger = ledger;
        this.latencies = latencies;
        this.stats = stats;
    }

    /** Accounts for records received at {@code nowNanos}. */
    void received(List<Record> records, long nowNanos) {
        int count = records.size();
        if (ids.length < count) {
            ids = new long[Math.max(count, ids.length * 2)];
        }
        int n = 0;
        int foreign = 0;
        for (Record record : records) {
            ByteString data = UnsafeByteOperations.unsafeWrap(record.data().asByteArrayUnsafe());
            if (data.size() < Payload.HEADER_BYTES) {
                foreign++;
                continue;
            }
            long word = Payload.word(data);
            latencies.recordEndToEnd(nowNanos - Payload.sendNanos(data), Payload.isMeasured(word));
            ids[n++] = Payload.idOf(word);
        }
        ledger.received(ids, n);
        if (foreign > 0) {
            ledger.foreign(foreign);
        }
        stats.received(n);
    }
}
