package io.tributary.bench.config;

import io.tributary.bench.measure.Format;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationConverterTest {

    private final DurationConverter converter = new DurationConverter();

    @Test
    void readsTheUsualSpellings() {
        assertEquals(Duration.ofSeconds(30), converter.convert("30s"));
        assertEquals(Duration.ofSeconds(30), converter.convert("30"));
        assertEquals(Duration.ofMillis(500), converter.convert("500ms"));
        assertEquals(Duration.ofSeconds(90), converter.convert("1m30s"));
        assertEquals(Duration.ofHours(1), converter.convert("1h"));
        assertEquals(Duration.ofSeconds(45), converter.convert("PT45S"));
    }

    @Test
    void rejectsWhatIsNotADuration() {
        assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("soon"));
    }

    @Test
    void formatsWhatItReads() {
        for (String text : new String[] {"30s", "500ms", "1m30s", "2m", "1h", "1h1m1s", "0s"}) {
            assertEquals(text, Format.duration(converter.convert(text)));
        }
    }
}
