package io.tributary.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import java.util.SplittableRandom;

/**
 * Layout of the data of every record the bench writes, so that a subscriber in the same JVM can tell who
 * wrote a record, when, and whether it belongs to the measured phase.
 *
 * <pre>
 * bytes 0..7   word: bit 63 = measured phase, bits 62..48 = producer id (15 bits), bits 47..0 = counter
 * bytes 8..15  System.nanoTime() of the append start (same JVM, so comparable with the receiver's clock)
 * bytes 16..   filler copied from a pre-generated random buffer at an offset derived from producer and counter
 * </pre>
 *
 * The filler is random (not compressible) but cheap: one {@code System.arraycopy} per record. Because its
 * offset is a function of (producer, counter), a receiver can check every payload byte without keeping a copy.
 */
public final class Payload {

    /** Bytes of the header at the start of every record. */
    public static final int HEADER_BYTES = 16;
    /** Producer id reserved for the probe records that check a subscription is live before the load. */
    public static final int PROBE_PRODUCER = 0x7FFF;
    /** Largest producer id usable by a load producer. */
    public static final int MAX_PRODUCERS = PROBE_PRODUCER;

    private static final long MEASURED_BIT = 1L << 63;
    private static final long COUNTER_MASK = (1L << 48) - 1;
    private static final int FILLER_SPAN = 64 * 1024;

    private final int recordBytes;
    private final byte[] filler;

    public Payload(int recordBytes, long seed) {
        if (recordBytes < HEADER_BYTES) {
            throw new IllegalArgumentException("records must have at least " + HEADER_BYTES + " bytes, got " + recordBytes);
        }
        this.recordBytes = recordBytes;
        this.filler = new byte[FILLER_SPAN + recordBytes];
        new SplittableRandom(seed).nextBytes(filler);
    }

    public int recordBytes() {
        return recordBytes;
    }

    /** Identity of a record: producer id and per-producer counter, without the phase bit. */
    public static long recordId(int producer, long counter) {
        return ((long) producer << 48) | (counter & COUNTER_MASK);
    }

    public static int producerOf(long idOrWord) {
        return (int) (idOrWord >>> 48) & 0x7FFF;
    }

    public static long counterOf(long idOrWord) {
        return idOrWord & COUNTER_MASK;
    }

    public static boolean isMeasured(long word) {
        return (word & MEASURED_BIT) != 0;
    }

    public static long idOf(long word) {
        return word & ~MEASURED_BIT;
    }

    /** Writes header (with a send time of 0, see {@link #stampSendTime}) and filler of one record. */
    public void write(byte[] buf, int offset, int producer, long counter, boolean measured) {
        long id = recordId(producer, counter);
        putLong(buf, offset, measured ? id | MEASURED_BIT : id);
        putLong(buf, offset + 8, 0L);
        System.arraycopy(filler, fillerOffset(id), buf, offset + HEADER_BYTES, recordBytes - HEADER_BYTES);
    }

    /** Sets the send time of {@code count} consecutive records written with {@link #write} into {@code buf}. */
    public void stampSendTime(byte[] buf, int count, long sendNanos) {
        for (int i = 0, offset = 8; i < count; i++, offset += recordBytes) {
            putLong(buf, offset, sendNanos);
        }
    }

    /** A header-only record, for probes. */
    public static ByteString probe(long attempt, long sendNanos) {
        byte[] buf = new byte[HEADER_BYTES];
        putLong(buf, 0, recordId(PROBE_PRODUCER, attempt));
        putLong(buf, 8, sendNanos);
        return UnsafeByteOperations.unsafeWrap(buf);
    }

    /** First header word of a record's data; the caller has checked {@code data.size() >= HEADER_BYTES}. */
    public static long word(ByteString data) {
        return getLong(data, 0);
    }

    public static long sendNanos(ByteString data) {
        return getLong(data, 8);
    }

    /** Whether {@code data} is exactly what {@link #write} produced for the record identified by {@code word}. */
    public boolean matches(ByteString data, long word) {
        if (data.size() != recordBytes) {
            return false;
        }
        int length = recordBytes - HEADER_BYTES;
        return data.substring(HEADER_BYTES).equals(UnsafeByteOperations.unsafeWrap(filler, fillerOffset(idOf(word)), length));
    }

    static int fillerOffset(long id) {
        // SplitMix64 finaliser: neighbouring counters land far apart in the filler.
        long z = id + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (int) Long.remainderUnsigned(z, FILLER_SPAN);
    }

    private static void putLong(byte[] buf, int offset, long value) {
        for (int i = 7; i >= 0; i--) {
            buf[offset + i] = (byte) value;
            value >>>= 8;
        }
    }

    private static long getLong(ByteString data, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (data.byteAt(offset + i) & 0xFF);
        }
        return value;
    }
}
