package io.tributary.bench;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PayloadTest {

    @Test
    void headerCarriesProducerCounterPhaseAndSendTime() {
        Payload payload = new Payload(64, 7);
        byte[] buffer = new byte[128];
        payload.write(buffer, 0, 3, 41, false);
        payload.write(buffer, 64, 32_766, (1L << 40) + 5, true);
        payload.stampSendTime(buffer, 2, 123_456_789L);

        ByteString first = ByteString.copyFrom(buffer, 0, 64);
        ByteString second = ByteString.copyFrom(buffer, 64, 64);
        assertEquals(3, Payload.producerOf(Payload.word(first)));
        assertEquals(41, Payload.counterOf(Payload.word(first)));
        assertFalse(Payload.isMeasured(Payload.word(first)));
        assertEquals(123_456_789L, Payload.sendNanos(first));
        assertEquals(32_766, Payload.producerOf(Payload.word(second)));
        assertEquals((1L << 40) + 5, Payload.counterOf(Payload.word(second)));
        assertTrue(Payload.isMeasured(Payload.word(second)));
        assertEquals(Payload.recordId(32_766, (1L << 40) + 5), Payload.idOf(Payload.word(second)));
    }

    @Test
    void detectsAChangedPayloadByte() {
        Payload payload = new Payload(100, 1);
        byte[] buffer = new byte[100];
        payload.write(buffer, 0, 1, 2, true);
        long word = Payload.word(ByteString.copyFrom(buffer));
        assertTrue(payload.matches(ByteString.copyFrom(buffer), word));

        buffer[77] ^= 1;
        assertFalse(payload.matches(ByteString.copyFrom(buffer), word));
        assertFalse(payload.matches(ByteString.copyFrom(buffer, 0, 99), word), "a truncated record");
    }

    @Test
    void probesAreRecognisable() {
        ByteString probe = Payload.probe(3, 99);
        assertEquals(Payload.PROBE_PRODUCER, Payload.producerOf(Payload.word(probe)));
        assertEquals(Payload.HEADER_BYTES, probe.size());
    }
}
