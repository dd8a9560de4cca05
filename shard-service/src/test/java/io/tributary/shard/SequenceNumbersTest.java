package io.tributary.shard;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequenceNumbersTest {

    @Test
    void roundTripsPositionAndShardIndex() {
        String s = SequenceNumbers.format(123_456_789L, 42);
        assertEquals(SequenceNumbers.LENGTH, s.length());
        assertEquals(new SequenceNumbers.Parsed(123_456_789L, 42), SequenceNumbers.parse(s));
        assertEquals(new SequenceNumbers.Parsed(Long.MAX_VALUE, 99_999_999),
                SequenceNumbers.parse(SequenceNumbers.format(Long.MAX_VALUE, 99_999_999)));
    }

    @Test
    void ordersTheSameAsTextAndAsNumbers() {
        String a = SequenceNumbers.format(9, 3);
        String b = SequenceNumbers.format(10, 3);
        String c = SequenceNumbers.format(10, 4);
        assertTrue(a.compareTo(b) < 0);
        assertTrue(new BigInteger(a).compareTo(new BigInteger(b)) < 0);
        assertTrue(b.compareTo(c) < 0 && !b.equals(c));
    }

    @Test
    void rejectsTextThatIsNotASequenceNumber() {
        assertNull(SequenceNumbers.parse("12"));
        assertNull(SequenceNumbers.parse("2" + "0".repeat(28)));
        assertNull(SequenceNumbers.parse("1" + "0".repeat(27) + "x"));
        assertNull(SequenceNumbers.parse("1" + "9".repeat(28)));
        assertNull(SequenceNumbers.parse(null));
    }
}
