package io.tributary.batch;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordBatchTest {

    private record Read(String key, byte[] data) {
    }

    private static List<Read> readAll(byte[] batch) {
        List<Read> out = new ArrayList<>();
        RecordBatchReader.read(batch, (i, b, ko, kl, d, dl) -> {
            assertEquals(out.size(), i);
            out.add(new Read(new String(b, ko, kl, StandardCharsets.UTF_8), Arrays.copyOfRange(b, d, d + dl)));
        });
        return out;
    }

    @Test
    void readsBackExactlyWhatWasWritten() {
        Random random = new Random(11);
        RecordBatchWriter writer = new RecordBatchWriter(16);
        List<Read> written = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] data = new byte[random.nextInt(3000)];
            random.nextBytes(data);
            String key = "key-ü-" + i;
            writer.add(key, data);
            written.add(new Read(key, data));
        }
        int expectedSize = writer.size();
        byte[] batch = writer.finish();
        assertEquals(expectedSize, batch.length);
        assertEquals(300, RecordBatchReader.verify(batch));
        List<Read> read = readAll(batch);
        assertEquals(written.size(), read.size());
        for (int i = 0; i < read.size(); i++) {
            assertEquals(written.get(i).key(), read.get(i).key());
            assertArrayEquals(written.get(i).data(), read.get(i).data());
        }
    }

    @Test
    void startsAFreshBatchAfterFinish() {
        RecordBatchWriter writer = new RecordBatchWriter();
        writer.add("a", new byte[]{1, 2});
        writer.add("b", new byte[]{3});
        byte[] first = writer.finish();
        writer.add("c", new byte[]{4, 5, 6});
        byte[] second = writer.finish();
        assertEquals(2, readAll(first).size());
        List<Read> read = readAll(second);
        assertEquals(1, read.size());
        assertEquals("c", read.get(0).key());
        assertArrayEquals(new byte[]{4, 5, 6}, read.get(0).data());
        assertThrows(IllegalStateException.class, writer::finish);
    }

    @Test
    void encodesRecordsOfManyLengthsAcrossVarintBoundaries() {
        RecordBatchWriter writer = new RecordBatchWriter();
        int[] sizes = {0, 1, 127, 128, 16_383, 16_384, 1 << 21};
        for (int size : sizes) {
            writer.add("k", new byte[size]);
        }
        List<Read> read = readAll(writer.finish());
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(sizes[i], read.get(i).data().length);
        }
    }

    @Test
    void rejectsAnyFlippedBit() {
        RecordBatchWriter writer = new RecordBatchWriter();
        writer.add("key", "some data".getBytes(StandardCharsets.UTF_8));
        byte[] batch = writer.finish();
        for (int i = 0; i < batch.length; i++) {
            byte[] copy = batch.clone();
            copy[i] ^= 0x10;
            assertThrows(MalformedBatchException.class, () -> RecordBatchReader.read(copy, (x, b, ko, kl, d, dl) -> { }),
                    "flipped bit in byte " + i);
        }
    }

    @Test
    void rejectsStructuralErrorsEvenWithAValidChecksum() {
        // A record whose data length claims more bytes than follow.
        assertMalformed(new byte[]{1, 1, 1, 'k', 9, 'x'}, "past the end");
        // Two records announced, one present.
        assertMalformed(new byte[]{1, 2, 1, 'k', 1, 'x'}, "past the end");
        // Bytes after the last announced record.
        assertMalformed(new byte[]{1, 1, 1, 'k', 1, 'x', 0}, "follow the last");
        // No records.
        assertMalformed(new byte[]{1, 0, 0, 0}, "at least one record");
        // Unknown version.
        assertMalformed(new byte[]{2, 1, 1, 'k', 1, 'x'}, "version 2");
        // A length varint over 5 bytes.
        assertMalformed(new byte[]{1, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1}, "longer than 5 bytes");
        // A length beyond Integer.MAX_VALUE.
        assertMalformed(new byte[]{1, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 0}, "out of range");
        assertThrows(MalformedBatchException.class, () -> RecordBatchReader.verify(new byte[3]));
    }

    private static void assertMalformed(byte[] withoutChecksum, String messagePart) {
        byte[] batch = Arrays.copyOf(withoutChecksum, withoutChecksum.length + 4);
        RecordBatchFormat.putInt(batch, withoutChecksum.length, RecordBatchFormat.checksum(batch, withoutChecksum.length));
        MalformedBatchException e = assertThrows(MalformedBatchException.class,
                () -> RecordBatchReader.read(batch, (x, b, ko, kl, d, dl) -> { }));
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }
}
