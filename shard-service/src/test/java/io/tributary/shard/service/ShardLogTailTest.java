package io.tributary.shard.service;

import io.tributary.batch.RecordBatchWriter;
import io.tributary.shard.HashKeyRange;
import io.tributary.shard.HashKeys;
import io.tributary.shard.LogRecord;
import io.tributary.shard.ShardInfo;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The in-memory tail: what readers get back once a busy shard's batches are packed into shared chunks. */
class ShardLogTailTest {

    private static final int RECORDS_PER_BATCH = 40;
    private static final int RECORD_BYTES = 3000;
    private static final long TAIL_LIMIT = 3L * ShardLog.CHUNK_BYTES;

    private final ShardInfo shard = new ShardInfo(1, 0, new HashKeyRange(BigInteger.ZERO, HashKeys.MAX), -1, -1, 1, -1, 0, -1);
    private final ShardLog log = new ShardLog(shard, 0, 0, TAIL_LIMIT, 1L << 40, new AtomicLong());

    private static byte[] data(long position) {
        byte[] data = new byte[RECORD_BYTES];
        Arrays.fill(data, (byte) position);
        byte[] tag = Long.toString(position).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tag, 0, data, 0, tag.length);
        return data;
    }

    /** Publishes a batch and then overwrites the array it came in, as a reused buffer would be. */
    private void publishAndScribble(long first) {
        RecordBatchWriter writer = new RecordBatchWriter();
        for (long p = first; p < first + RECORDS_PER_BATCH; p++) {
            writer.add("key-" + p, data(p));
        }
        byte[] payload = writer.finish();
        log.publish(ShardLog.TailBatch.of(first, 1000, payload));
        if (first >= 2L * ShardLog.CHUNK_BYTES / RECORD_BYTES) {
            // Past a chunk's worth of tail, the log must no longer depend on the batch's own array.
            Arrays.fill(payload, (byte) 0x55);
        }
    }

    @Test
    void packedBatchesReadBackByteForByteAcrossChunksAndEvictions() {
        long next = 1;
        // Eight chunks' worth: packing starts after the first, chunks fill and are replaced, the oldest
        // batches are evicted.
        while (next < 8L * ShardLog.CHUNK_BYTES / RECORD_BYTES) {
            publishAndScribble(next);
            next += RECORDS_PER_BATCH;
        }
        assertEquals(next, log.committedNext());
        assertNull(log.readTail(1, 10, 1 << 20), "the oldest batches were evicted: storage must be read");

        // Everything the tail still holds, from several starting points, including mid-batch.
        long oldest = next - 1;
        while (oldest > 1 && log.readTail(oldest - 1, 1, 1 << 20) != null) {
            oldest--;
        }
        long held = next - oldest;
        assertEquals(true, held * RECORD_BYTES >= 2L * ShardLog.CHUNK_BYTES, "the tail holds " + held + " records");
        for (long from : new long[] {oldest, oldest + 7, next - 3 * RECORDS_PER_BATCH - 5, next - 1}) {
            long position = from;
            while (position < next) {
                List<LogRecord> records = log.readTail(position, 500, 1 << 20);
                assertNotNull(records, "position " + position + " is in the tail");
                for (LogRecord r : records) {
                    assertEquals(position, r.position());
                    assertEquals("key-" + position, r.partitionKeyString());
                    assertArrayEquals(data(position), r.data().toByteArray(), "record " + position);
                    position++;
                }
            }
        }
    }
}
