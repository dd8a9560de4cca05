package io.tributary.bench.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequenceNumbersTest {

    @Test
    void comparesNumericallyWhateverTheWidth() {
        assertTrue(SequenceNumbers.compare("9", "10") < 0);
        assertTrue(SequenceNumbers.compare("000010", "9") > 0);
        assertEquals(0, SequenceNumbers.compare("0007", "7"));
        assertTrue(SequenceNumbers.compare("49590338271490256608559692538361571095921575989136588898",
                "49590338271490256608559692538361571095921575989136588899") < 0);
    }
}
