package io.tributary.shard.storage;

import io.tributary.batch.RecordBatchWriter;
import io.tributary.shard.LogRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RecordBatchCodecTest {

    @Test
    void decodesStoredRecordsWithTheirPositionsFromTheRequestedOne() {
        Random random = new Random(7);
        int n = 300;
        List<byte[]> data = new ArrayList<>();
        RecordBatchWriter writer = new RecordBatchWriter();
        for (int i = 0; i < n; i++) {
            byte[] d = new byte[random.nextInt(3000)];
            random.nextBytes(d);
            data.add(d);
            writer.add("key-ü-" + i, d);
        }
        byte[] payload = writer.finish();
        List<LogRecord> records = RecordBatchCodec.decode(payload, 1000, 55L, 1000);
        assertEquals(n, records.size());
        for (int i = 0; i < n; i++) {
            assertEquals(1000 + i, records.get(i).position());
            assertEquals("key-ü-" + i, records.get(i).partitionKeyString());
            assertArrayEquals(data.get(i), records.get(i).data().toByteArray());
            assertEquals(55L, records.get(i).arrivalMillis());
        }
        List<LogRecord> fromMiddle = RecordBatchCodec.decode(payload, 1000, 55L, 1010);
        assertEquals(n - 10, fromMiddle.size());
        assertEquals(1010, fromMiddle.get(0).position());
        assertArrayEquals(data.get(10), fromMiddle.get(0).data().toByteArray());
    }

    @Test
    void turnsCorruptedPayloadIntoAnError() {
        RecordBatchWriter writer = new RecordBatchWriter();
        writer.add("k", "data".getBytes(StandardCharsets.UTF_8));
        byte[] payload = writer.finish();
        payload[5] ^= 1;
        assertThrows(RecordBatchCodec.CorruptBatchException.class, () -> RecordBatchCodec.decode(payload, 1, 0, 1));
    }
}
