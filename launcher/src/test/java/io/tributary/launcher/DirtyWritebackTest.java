package io.tributary.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirtyWritebackTest {

    @TempDir
    Path root;

    private void host(String bytes, String ratio, long availableKib) throws IOException {
        Files.createDirectories(root.resolve("proc/sys/vm"));
        Files.writeString(root.resolve("proc/sys/vm/dirty_background_bytes"), bytes + "\n");
        Files.writeString(root.resolve("proc/sys/vm/dirty_background_ratio"), ratio + "\n");
        Files.writeString(root.resolve("proc/meminfo"),
                "MemTotal:       24000000 kB\nMemFree:        1000 kB\nMemAvailable:   " + availableKib + " kB\n");
    }

    @Test
    void ratioOfAvailableMemoryWhenNoByteCountIsSet() throws IOException {
        host("0", "10", 20_000_000);
        assertEquals(Optional.of(20_000_000L * 1024 / 10), DirtyWriteback.thresholdBytes(root));
        assertTrue(DirtyWriteback.hint(root).orElseThrow().contains("vm.dirty_background_bytes=33554432"));
    }

    @Test
    void byteCountWinsOverTheRatio() throws IOException {
        host("33554432", "0", 20_000_000);
        assertEquals(Optional.of(33_554_432L), DirtyWriteback.thresholdBytes(root));
        assertEquals(Optional.empty(), DirtyWriteback.hint(root), "a small threshold needs no hint");
    }

    @Test
    void saysNothingWhenItCannotTell() throws IOException {
        assertEquals(Optional.empty(), DirtyWriteback.thresholdBytes(root));
        host("garbage", "10", 1);
        assertEquals(Optional.empty(), DirtyWriteback.hint(root));
    }
}
