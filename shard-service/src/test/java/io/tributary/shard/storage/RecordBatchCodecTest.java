package io.tributary.shard.storage;

import com.google.protobuf.ByteString;
import io.tributary.shard.LogRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RecordBatchCodecTest {

    @Test
    void decodesExactlyWhatWasEncoded() {
        Random random = new Random(7);
        int n = 300;
        byte[][] keys = new byte[n][];
        ByteString[] data = new ByteString[n];
        for (int i = 0; i < n; i++) {
            keys[i] = ("key-ü-" + i).getBytes(StandardCharsets.UTF_8);
            byte[] d = new byte[random.nextInt(3000)];
            random.nextBytes(d);
            data[i] = ByteString.copyFrom(d);
        }
        byte[] payload = RecordBatchCodec.encode(keys, data);
        List<LogRecord> records = RecordBatchCodec.decode(payload, 1000, 55L, 1000);
        assertEquals(n, records.size());
        for (int i = 0; i < n; i++) {
            assertEquals(1000 + i, records.get(i).position());
            assertEquals("key-ü-" + i, records.get(i).partitionKey());
            assertArrayEquals(data[i].toByteArray(), records.get(i).data().toByteArray());
            assertEquals(55L, records.get(i).arrivalMillis());
        }
        assertEquals(n - 10, RecordBatchCodec.decode(payload, 1000, 55L, 1010).size());
    }

    @Test
    void detectsCorruptedPayload() {
        byte[] payload = RecordBatchCodec.encode(new byte[][]{"k".getBytes()}, new ByteString[]{ByteString.copyFromUtf8("data")});
        payload[5] ^= 1;
        assertThrows(RecordBatchCodec.CorruptBatchException.class, () -> RecordBatchCodec.decode(payload, 1, 0, 1));
    }
}
