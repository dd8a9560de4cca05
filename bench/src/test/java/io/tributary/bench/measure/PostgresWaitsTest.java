package io.tributary.bench.measure;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PostgresWaitsTest {

    @Test
    void summaryGivesEachStateItsShareOfAllBackendSamples() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("CPU", 30L);
        counts.put("IO:WalSync", 50L);
        counts.put("Lock:extend", 20L);
        assertEquals("40 samples, 2.5 busy backends on average: IO:WalSync 50%, CPU 30%, Lock:extend 20%",
                PostgresWaits.summarize(counts, 40));
    }

    @Test
    void statesBeyondTheSeventhAreSummedAsOther() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (int i = 0; i < 9; i++) {
            counts.put("W" + i, 10L);
        }
        assertEquals("90 samples, 1.0 busy backends on average: W0 11%, W1 11%, W2 11%, W3 11%, W4 11%, W5 11%,"
                + " W6 11%, other 22%", PostgresWaits.summarize(counts, 90));
    }

    @Test
    void saysWhenNoBackendWasBusy() {
        assertEquals("no active backend in 12 samples", PostgresWaits.summarize(Map.of(), 12));
    }
}
