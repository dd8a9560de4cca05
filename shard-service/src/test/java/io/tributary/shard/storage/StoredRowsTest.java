package io.tributary.shard.storage;

import io.tributary.batch.RecordBatchReader;
import io.tributary.batch.RecordBatchWriter;
import io.tributary.shard.LogRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoredRowsTest {

    private static final int ROW_BYTES = 7900;

    @Test
    void keepsABatchThatFitsOneRowAsItIs() {
        byte[] batch = batch(new Random(1), 5, 1000, new ArrayList<>());
        StoredRows rows = StoredRows.of(batch, layout(batch), 5, ROW_BYTES);
        assertEquals(1, rows.size());
        assertSame(batch, rows.payloads()[0], "no copy of a batch that fits");
        assertEquals(5, rows.recordsIn(0));
    }

    @Test
    void cutsALargeBatchIntoFullRowsOfConsecutiveRecords() {
        Random random = new Random(11);
        List<byte[]> data = new ArrayList<>();
        int n = 400;
        byte[] batch = batch(random, n, 3000, data);
        StoredRows rows = StoredRows.of(batch, layout(batch), n, ROW_BYTES);
        assertTrue(rows.size() > 1);

        int next = 0;
        for (int r = 0; r < rows.size(); r++) {
            byte[] payload = rows.payloads()[r];
            assertEquals(next, rows.firstRecords()[r], "row " + r + " starts where the previous one ended");
            List<LogRecord> decoded = RecordBatchCodec.decode(payload, 500 + next, 9L, 0);
            assertEquals(rows.recordsIn(r), decoded.size());
            assertTrue(payload.length <= ROW_BYTES || decoded.size() == 1, "row " + r + " is " + payload.length + " bytes");
            for (LogRecord record : decoded) {
                assertEquals(500 + next, record.position());
                assertEquals("key-" + next, record.partitionKeyString());
                assertArrayEquals(data.get(next), record.data().toByteArray());
                next++;
            }
            if (r + 1 < rows.size()) {
                int following = RecordBatchWriter.encodedSize(("key-" + next).length(), data.get(next).length);
                assertTrue(payload.length + following > ROW_BYTES - 4,
                        "row " + r + " (" + payload.length + " bytes) had room for the next record (" + following + ")");
            }
        }
        assertEquals(n, next, "every record in exactly one row");
    }

    @Test
    void storesARecordLargerThanARowAloneInItsRow() {
        List<byte[]> data = new ArrayList<>();
        RecordBatchWriter writer = new RecordBatchWriter();
        int[] sizes = {100, 20_000, 100, 100};
        for (int i = 0; i < sizes.length; i++) {
            byte[] d = new byte[sizes[i]];
            new Random(i).nextBytes(d);
            data.add(d);
            writer.add("key-" + i, d);
        }
        byte[] batch = writer.finish();
        StoredRows rows = StoredRows.of(batch, layout(batch), sizes.length, ROW_BYTES);
        assertEquals(3, rows.size());
        assertArrayEquals(new int[] {0, 1, 2}, rows.firstRecords());
        assertEquals(1, rows.recordsIn(1));
        assertEquals(2, rows.recordsIn(2));
        assertArrayEquals(data.get(1), RecordBatchCodec.decode(rows.payloads()[1], 1, 0L, 0).get(0).data().toByteArray());
    }

    private static byte[] batch(Random random, int n, int maxData, List<byte[]> data) {
        RecordBatchWriter writer = new RecordBatchWriter();
        for (int i = 0; i < n; i++) {
            byte[] d = new byte[random.nextInt(maxData)];
            random.nextBytes(d);
            data.add(d);
            writer.add("key-" + i, d);
        }
        return writer.finish();
    }

    private static int[] layout(byte[] batch) {
        int n = RecordBatchReader.verify(batch);
        int[] layout = new int[n * 4];
        RecordBatchReader.read(batch, (i, b, keyOffset, keyLength, dataOffset, dataLength) -> {
            layout[i * 4] = keyOffset;
            layout[i * 4 + 1] = keyLength;
            layout[i * 4 + 2] = dataOffset;
            layout[i * 4 + 3] = dataLength;
        });
        return layout;
    }
}
