package io.tributary.shard;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PartitionKeysTest {

    private static int characters(byte... b) {
        return PartitionKeys.characters(b, 0, b.length);
    }

    private static int characters(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return PartitionKeys.characters(b, 0, b.length);
    }

    @Test
    void countsUnicodeCharactersNotBytes() {
        assertEquals(0, characters(""));
        assertEquals(5, characters("hello"));
        assertEquals(3, characters("ü€a"));
        assertEquals(2, characters("😀😀"), "a character outside the BMP counts once");
        assertEquals(256, characters("ü".repeat(256)));
    }

    @Test
    void rejectsMalformedUtf8() {
        assertEquals(-1, characters((byte) 0x80), "lone continuation byte");
        assertEquals(-1, characters((byte) 0xc3), "truncated two-byte sequence");
        assertEquals(-1, characters((byte) 0xc0, (byte) 0xaf), "overlong '/'");
        assertEquals(-1, characters((byte) 0xe0, (byte) 0x80, (byte) 0xaf), "overlong three-byte form");
        assertEquals(-1, characters((byte) 0xed, (byte) 0xa0, (byte) 0x80), "UTF-16 surrogate");
        assertEquals(-1, characters((byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80), "beyond U+10FFFF");
        assertEquals(-1, characters((byte) 0xff), "never valid");
        assertEquals(-1, characters((byte) 'a', (byte) 0xe2, (byte) 0x82), "truncated at the end");
    }
}
